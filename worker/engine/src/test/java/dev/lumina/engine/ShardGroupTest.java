package dev.lumina.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.model.Guidance;
import dev.lumina.engine.model.TokenLayout;
import dev.lumina.engine.parallel.ParallelDegrees;
import dev.lumina.engine.sampling.Solver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A generator whose generations run across an in-process shard group. */
class ShardGroupTest {

  @TempDir static Path tmp;
  private static Generator generator;

  private static final Generation JOB =
      new Generation(
          TokenLayout.image(8, 12),
          "a red circle",
          "",
          4f,
          Guidance.ALL_CHANNELS,
          Solver.EULER,
          5,
          3f,
          7L,
          ForwardOptions.DEFAULT);

  @BeforeAll
  static void load() throws Exception {
    generator =
        Generator.load(RandomModel.write(tmp.resolve("m"), List.of("a red circle"), false, 1, 2));
  }

  @AfterAll
  static void close() {
    generator.close();
  }

  @Test
  void cfgTimesUlyssesGivesTheOneRankPicture() {
    Generated alone = generator.generate(List.of(JOB), StepListener.NONE).get(0);
    AtomicInteger steps = new AtomicInteger();
    try (ShardGroup group = new ShardGroup(new ParallelDegrees(2, 2), Duration.ofSeconds(60))) {
      generator.useShardGroup(group);
      Generated sharded =
          generator
              .generate(
                  List.of(JOB),
                  (step, total, t, state) -> {
                    steps.incrementAndGet();
                    return true;
                  })
              .get(0);
      assertThat(sharded.completed()).isTrue();
      assertThat(steps.get()).as("the leader alone reports steps").isEqualTo(4);
      float[] a = alone.frames().get(0);
      float[] b = sharded.frames().get(0);
      assertThat(b).hasSameSizeAs(a);
      double scale = 0;
      double diff = 0;
      for (int i = 0; i < a.length; i++) {
        scale = Math.max(scale, Math.abs(a[i]));
        diff = Math.max(diff, Math.abs(a[i] - b[i]));
      }
      assertThat(diff).isLessThanOrEqualTo(1e-5 * Math.max(1, scale));
    } finally {
      generator.useShardGroup(null);
    }
  }

  @Test
  void theLeadersCancelStopsEveryRankAtTheSameStep() {
    try (ShardGroup group = new ShardGroup(new ParallelDegrees(1, 1, 2), Duration.ofSeconds(60))) {
      generator.useShardGroup(group);
      Generated stopped =
          generator.generate(List.of(JOB), (step, total, t, state) -> step < 2).get(0);
      assertThat(stopped.completed()).isFalse();
      assertThat(stopped.stepsDone()).isEqualTo(2);
      // The group is usable again afterwards.
      assertThat(generator.generate(List.of(JOB), StepListener.NONE).get(0).completed()).isTrue();
    } finally {
      generator.useShardGroup(null);
    }
  }

  @Test
  void aFailingLeaderFailsTheRunWithoutWaitingForTheDeadline() {
    try (ShardGroup group = new ShardGroup(new ParallelDegrees(2, 1), Duration.ofMinutes(10))) {
      generator.useShardGroup(group);
      long t0 = System.nanoTime();
      assertThatThrownBy(
              () ->
                  generator.generate(
                      List.of(JOB),
                      (step, total, t, state) -> {
                        throw new IllegalStateException("chunk delivery failed");
                      }))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("chunk delivery failed");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMinutes(2));
    } finally {
      generator.useShardGroup(null);
    }
  }

  @Test
  void aDegreeTheHeadsDoNotAllowIsRefused() {
    try (ShardGroup group = new ShardGroup(new ParallelDegrees(1, 4), Duration.ofSeconds(1))) {
      assertThatThrownBy(() -> generator.useShardGroup(group))
          .hasMessageContaining("ulysses degree 4");
    }
    assertThat(generator.shardGroup()).isEmpty();
  }
}

package dev.lumina.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.engine.Generated;
import dev.lumina.engine.Generation;
import dev.lumina.engine.Generator;
import dev.lumina.engine.RandomModel;
import dev.lumina.engine.StepListener;
import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.model.Guidance;
import dev.lumina.engine.model.TokenLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Step-level continuous batching: jobs that share forwards while at different steps, with different
 * solvers, step counts, guidance scales and prompts, joining mid-way and leaving early, each end
 * with exactly the floats they get alone (bit for bit), and a cancelled job stops before its next
 * forward without disturbing the others.
 */
class StepBatcherTest {
  @TempDir Path tmp;

  private static final TokenLayout LAYOUT = TokenLayout.image(8, 12);

  private static Generation job(String prompt, float cfg, Solver solver, int steps, long seed) {
    return new Generation(
        LAYOUT,
        prompt,
        "",
        cfg,
        Guidance.ALL_CHANNELS,
        solver,
        steps,
        3f,
        seed,
        ForwardOptions.DEFAULT);
  }

  private static final List<Generation> JOBS =
      List.of(
          job("a red circle", 4f, Solver.EULER, 9, 1),
          job("a green circle", 1f, Solver.MIDPOINT, 5, 2),
          job("a red circle", 2.5f, Solver.RK4, 4, 3),
          job("a green circle", 6f, Solver.EULER, 13, 4));

  @Test
  void jobsSharingForwardsEndWithTheFloatsTheyGetAlone() throws Exception {
    Path model =
        RandomModel.write(tmp.resolve("m"), List.of("a red circle", "a green circle"), false, 1, 2);
    try (Generator g = Generator.load(model)) {
      g.useStepBatching(1 << 20);
      List<Generated> alone = new ArrayList<>();
      for (Generation j : JOBS) {
        alone.add(g.generate(j, StepListener.NONE, () -> false));
      }
      long[] afterAlone = g.stepBatchCounts();
      // Evaluations: Euler 8 + midpoint 2·4 + RK4 4·3 + Euler 12; rows: 2 per guided one.
      assertThat(afterAlone).as("forwards and rows alone").containsExactly(40, 72);

      ExecutorService pool = Executors.newFixedThreadPool(JOBS.size());
      try {
        CountDownLatch firstAtStep3 = new CountDownLatch(1);
        List<Future<Generated>> together = new ArrayList<>();
        together.add(
            pool.submit(
                () ->
                    g.generate(
                        JOBS.get(0),
                        (step, total, t, state) -> {
                          if (step == 3) {
                            firstAtStep3.countDown();
                          }
                          return true;
                        },
                        () -> false)));
        // The others join while the first is at its fourth step.
        assertThat(firstAtStep3.await(60, TimeUnit.SECONDS)).isTrue();
        for (int i = 1; i < JOBS.size(); i++) {
          Generation j = JOBS.get(i);
          together.add(pool.submit(() -> g.generate(j, StepListener.NONE, () -> false)));
        }
        for (int i = 0; i < JOBS.size(); i++) {
          Generated a = alone.get(i);
          Generated b = together.get(i).get(120, TimeUnit.SECONDS);
          assertThat(b.completed()).isTrue();
          assertThat(b.stepsDone()).isEqualTo(a.stepsDone());
          assertThat(b.frames().get(0)).as("job %d, bit for bit", i).isEqualTo(a.frames().get(0));
        }
      } finally {
        pool.shutdownNow();
      }
      long[] all = g.stepBatchCounts();
      long forwards = all[0] - afterAlone[0];
      long rows = all[1] - afterAlone[1];
      assertThat(rows).isEqualTo(72);
      assertThat(forwards).as("forwards shared between jobs").isLessThan(40);
    }
  }

  @Test
  void aCancelledJobLeavesBeforeItsNextForwardAndTheOthersAreUndisturbed() throws Exception {
    Path model =
        RandomModel.write(tmp.resolve("m"), List.of("a red circle", "a green circle"), false, 1, 2);
    try (Generator g = Generator.load(model)) {
      g.useStepBatching(1 << 20);
      Generation keep = job("a red circle", 4f, Solver.RK4, 7, 11);
      Generated alone = g.generate(keep, StepListener.NONE, () -> false);
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        AtomicBoolean cancel = new AtomicBoolean();
        int[] lastStep = {0};
        Future<Generated> cancelled =
            pool.submit(
                () ->
                    g.generate(
                        job("a green circle", 3f, Solver.EULER, 40, 12),
                        (step, total, t, state) -> {
                          lastStep[0] = step;
                          if (step == 2) {
                            cancel.set(true);
                          }
                          return true;
                        },
                        cancel::get));
        Future<Generated> kept =
            pool.submit(() -> g.generate(keep, StepListener.NONE, () -> false));
        Generated c = cancelled.get(120, TimeUnit.SECONDS);
        assertThat(c.completed()).isFalse();
        assertThat(c.stepsDone()).isEqualTo(2);
        assertThat(lastStep[0]).isEqualTo(2);
        Generated k = kept.get(120, TimeUnit.SECONDS);
        assertThat(k.frames().get(0)).isEqualTo(alone.frames().get(0));
      } finally {
        pool.shutdownNow();
      }
    }
  }
}

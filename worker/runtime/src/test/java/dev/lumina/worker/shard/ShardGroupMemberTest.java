package dev.lumina.worker.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.engine.Generated;
import dev.lumina.engine.Generation;
import dev.lumina.engine.Generator;
import dev.lumina.engine.RandomModel;
import dev.lumina.engine.StepListener;
import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.model.Guidance;
import dev.lumina.engine.model.TokenLayout;
import dev.lumina.engine.parallel.CollectiveException;
import dev.lumina.engine.parallel.ParallelDegrees;
import dev.lumina.engine.sampling.Solver;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group formed over loopback gRPC from a static roster, each rank with its own generator (as
 * separate worker processes have): the leader's picture equals one rank's, and a follower ends when
 * its leader leaves.
 */
class ShardGroupMemberTest {
  @TempDir Path tmp;

  private static final Generation JOB =
      new Generation(
          TokenLayout.image(8, 12),
          "a red circle",
          "",
          4f,
          Guidance.ALL_CHANNELS,
          Solver.EULER,
          4,
          3f,
          11L,
          ForwardOptions.DEFAULT);

  private static ShardGroupMember.Settings settings(
      int rank, int port, ParallelDegrees d, String parallelOverride) {
    return new ShardGroupMember.Settings(
        d.ranks(),
        rank,
        "127.0.0.1:" + port,
        parallelOverride == null ? d : ParallelDegrees.parse(parallelOverride),
        "127.0.0.1",
        "127.0.0.1",
        0,
        Duration.ofSeconds(60),
        Duration.ofSeconds(60));
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void aLeaderAndItsFollowersOverTheNetworkDrawTheOneRankPicture() throws Exception {
    Path model = RandomModel.write(tmp.resolve("m"), List.of("a red circle"), false, 1, 2);
    ParallelDegrees d = new ParallelDegrees(2, 1, 2);
    int port = freePort();
    ExecutorService pool = Executors.newCachedThreadPool();
    try (Generator lead = Generator.load(model)) {
      Generated alone = lead.generate(List.of(JOB), StepListener.NONE).get(0);
      List<Future<Throwable>> followers = new java.util.ArrayList<>();
      for (int r = 1; r < d.ranks(); r++) {
        int rank = r;
        followers.add(
            pool.submit(
                () -> {
                  try (Generator g = Generator.load(model);
                      ShardGroupMember m = ShardGroupMember.form(settings(rank, port, d, null))) {
                    g.follow(m);
                    return null;
                  } catch (CollectiveException e) {
                    return e;
                  }
                }));
      }
      Generated sharded;
      try (ShardGroupMember leader = ShardGroupMember.form(settings(0, port, d, null))) {
        assertThat(leader.leader()).isTrue();
        lead.leadShardPeers(leader);
        sharded = lead.generate(List.of(JOB), StepListener.NONE).get(0);
        // A second job on the same group.
        assertThat(lead.generate(List.of(JOB), StepListener.NONE).get(0).completed()).isTrue();
      }
      float[] a = alone.frames().get(0);
      float[] b = sharded.frames().get(0);
      double scale = 0;
      double diff = 0;
      for (int i = 0; i < a.length; i++) {
        scale = Math.max(scale, Math.abs(a[i]));
        diff = Math.max(diff, Math.abs(a[i] - b[i]));
      }
      assertThat(diff).isLessThanOrEqualTo(1e-5 * Math.max(1, scale));
      // The leader left: every follower's wait for the next job ends with the group.
      for (Future<Throwable> f : followers) {
        assertThat(f.get(60, TimeUnit.SECONDS))
            .isInstanceOf(CollectiveException.class)
            .hasMessageContaining("rank 0");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aFollowerWithAnotherLayoutIsRefusedByTheLeader() throws Exception {
    ParallelDegrees d = new ParallelDegrees(2, 1, 1);
    int port = freePort();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> leader =
          pool.submit(
              () -> {
                try (ShardGroupMember m =
                    ShardGroupMember.form(
                        new ShardGroupMember.Settings(
                            2,
                            0,
                            "127.0.0.1:" + port,
                            d,
                            "127.0.0.1",
                            "127.0.0.1",
                            0,
                            Duration.ofSeconds(5),
                            Duration.ofSeconds(5)))) {
                  return m.epoch();
                }
              });
      assertThatThrownBy(
              () ->
                  ShardGroupMember.form(
                      new ShardGroupMember.Settings(
                          2,
                          1,
                          "127.0.0.1:" + port,
                          new ParallelDegrees(1, 2, 1),
                          "127.0.0.1",
                          "127.0.0.1",
                          0,
                          Duration.ofSeconds(5),
                          Duration.ofSeconds(30))))
          .isInstanceOf(CollectiveException.class)
          .hasMessageContaining("the leader runs --parallel cfg=2,ulysses=1,ring=1");
      assertThatThrownBy(() -> leader.get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(CollectiveException.class)
          .hasMessageContaining("did not form");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void settingsNameTheFlagThatIsWrong() {
    ParallelDegrees d = new ParallelDegrees(2, 1);
    Duration t = Duration.ofSeconds(1);
    assertThatThrownBy(() -> new ShardGroupMember.Settings(3, 0, "h:1", d, "0.0.0.0", "h", 0, t, t))
        .hasMessageContaining("--group-size 3 must equal the ranks of --parallel");
    assertThatThrownBy(() -> new ShardGroupMember.Settings(2, 2, "h:1", d, "0.0.0.0", "h", 0, t, t))
        .hasMessageContaining("--rank must be in [0, 1]");
    assertThatThrownBy(
            () -> new ShardGroupMember.Settings(2, 1, "leader", d, "0.0.0.0", "h", 0, t, t))
        .hasMessageContaining("--leader must be HOST:PORT");
  }
}

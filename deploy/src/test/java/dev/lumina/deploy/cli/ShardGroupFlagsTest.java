package dev.lumina.deploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.deploy.bench.BenchModelDir;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lumina worker --group-size N --rank R --leader HOST:PORT}: inconsistent flags stop the
 * worker with exit code 2 naming the flag, before it connects anywhere; a group that does not form
 * in time ends the rank with exit code 3 (its supervisor starts the group again).
 */
class ShardGroupFlagsTest {
  @TempDir Path tmp;

  private CliRun worker(Path model, String... flags) {
    List<String> args =
        new ArrayList<>(List.of("worker", "--model", model.toString(), "--kafka", "127.0.0.1:1"));
    args.addAll(List.of(flags));
    return CliRun.of(args.toArray(String[]::new));
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void inconsistentGroupFlagsAreNamed() throws Exception {
    Path model = BenchModelDir.write(tmp.resolve("m"));
    CliRun noLayout = worker(model, "--group-size", "2");
    assertThat(noLayout.code()).isEqualTo(2);
    assertThat(noLayout.err())
        .contains("--group-size 2 needs --parallel with 2 ranks (cfg × ulysses × ring), got none");
    CliRun wrongLayout = worker(model, "--group-size", "2", "--parallel", "cfg=2,ring=2");
    assertThat(wrongLayout.code()).isEqualTo(2);
    assertThat(wrongLayout.err()).contains("got cfg=2,ulysses=1,ring=2 (4)");
    CliRun rank = worker(model, "--group-size", "2", "--parallel", "cfg=2", "--rank", "2");
    assertThat(rank.code()).isEqualTo(2);
    assertThat(rank.err()).contains("--rank must be in [0, 1], got 2");
    CliRun leader = worker(model, "--group-size", "2", "--parallel", "cfg=2", "--rank", "1");
    assertThat(leader.code()).isEqualTo(2);
    assertThat(leader.err()).contains("--leader HOST[:PORT] is required on rank 1");
    CliRun size = worker(model, "--group-size", "0");
    assertThat(size.code()).isEqualTo(2);
    assertThat(size.err()).contains("--group-size must be in [1, 1024], got 0");
    CliRun devices =
        worker(
            model,
            "--group-size",
            "2",
            "--parallel",
            "cfg=2",
            "--leader",
            "127.0.0.1:1",
            "--devices",
            "cpu,cpu");
    assertThat(devices.code()).isEqualTo(2);
    assertThat(devices.err()).contains("--devices: each rank of a group of processes");
    // The bench model has 2 heads.
    CliRun heads =
        worker(
            model,
            "--group-size",
            "4",
            "--parallel",
            "ulysses=4",
            "--leader",
            "127.0.0.1:1",
            "--formation-timeout",
            "1");
    assertThat(heads.code()).isEqualTo(2);
    assertThat(heads.err())
        .contains("--parallel: ulysses degree 4 must divide the model's heads (2)");
  }

  @Test
  void aGroupThatDoesNotFormEndsTheRankWithCodeThree() throws Exception {
    Path model = BenchModelDir.write(tmp.resolve("m"));
    CliRun lead =
        worker(
            model,
            "--group-size",
            "2",
            "--parallel",
            "cfg=2",
            "--shard-host",
            "127.0.0.1",
            "--shard-bind",
            "127.0.0.1",
            "--shard-port",
            Integer.toString(freePort()),
            "--formation-timeout",
            "1");
    assertThat(lead.code()).as(lead.err()).isEqualTo(3);
    assertThat(lead.err()).contains("did not form within PT1S: followers missing");
    CliRun follow =
        worker(
            model,
            "--group-size",
            "2",
            "--parallel",
            "cfg=2",
            "--rank",
            "1",
            "--leader",
            "127.0.0.1:" + freePort(),
            "--shard-host",
            "127.0.0.1",
            "--shard-bind",
            "127.0.0.1",
            "--shard-port",
            "0",
            "--formation-timeout",
            "1");
    assertThat(follow.code()).as(follow.err()).isEqualTo(3);
    assertThat(follow.err()).contains("rank 1 could not join the leader at 127.0.0.1:");
  }
}

package dev.lumina.it.procs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.deploy.cli.Lumina;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code lumina bench cluster} end to end: it starts the cluster in this JVM (embedded broker,
 * scheduler, gateway, a worker on the smallest random-weight model), runs a few 2-step jobs and
 * prints the table. The figures themselves are not judged here; that every job completed is.
 */
@Tag("processes")
class BenchClusterCommandTest {

  @Test
  void aShortRunCompletesEveryJobAndPrintsTheTableWithTheGoals() {
    PrintStream stdout = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code;
    try {
      // The command prints its progress and table to System.out.
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      code =
          Lumina.newCommandLine()
              .execute(
                  "bench",
                  "cluster",
                  "--warmup",
                  "1",
                  "--settle-jobs",
                  "2",
                  "--jobs",
                  "4",
                  "--saturated-jobs",
                  "6",
                  "--clients",
                  "3",
                  "--floor-rounds",
                  "10",
                  "--capacity-jobs",
                  "20",
                  "--capacity-warmup",
                  "8",
                  "--capacity-clients",
                  "4");
    } finally {
      System.setOut(stdout);
    }
    String text = out.toString(StandardCharsets.UTF_8);
    stdout.print(text);
    assertThat(code).as(text).isZero();
    assertThat(text)
        .containsPattern("warm-up: JIT (settled|still compiling) after 2 more jobs")
        .containsPattern("sequential\\s+1\\s+4\\s+0 ")
        .containsPattern("saturated\\s+3\\s+6\\s+0 ")
        .contains("overhead p50 (sequential)")
        .contains("busy (saturated)")
        .contains("jobs/s (capacity)")
        .containsPattern(
            "floor \\(same broker, same process\\): kafka acks=all produce->consume"
                + " [0-9.]+/[0-9.]+ ms")
        .contains("overhead p50 / floor p50")
        .containsPattern("saturated\\s+first chunk [0-9.]+/[0-9.]+ ms\\s+busy [0-9.]+")
        .containsPattern("; JIT (tiered \\(C1 \\+ C2\\)|C1 only|C2 only)")
        .containsPattern("sequential\\s+first chunk .* this JVM's JIT compiled [0-9.]+ s")
        .contains("(timed once both hold partitions and 8 untimed jobs have gone through)")
        .containsPattern(
            "warm-up\\s+8 jobs in [0-9.]+ s: [0-9.]+ jobs/s \\(untimed\\), 8 completed once")
        .contains("capacity    20 jobs in")
        .contains("20 completed once, 0 lost, 0 duplicated")
        .containsPattern("broker requests per job: .*Produce [0-9]+\\.[0-9]{2}")
        .containsPattern("process CPU [0-9.]+ ms/job \\([0-9]+% of [0-9]+ cores\\)");
  }

  @Test
  void aBadFlagExitsWithTwoNamingIt() {
    Run run = runCapturingStderr("bench", "cluster", "--clients", "0", "--server", "127.0.0.1:1");
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.stderr()).contains("clients must be in 1..1024, got 0");
  }

  @Test
  void aNegativeCapacityWarmupExitsWithTwoNamingTheFlag() {
    Run run = runCapturingStderr("bench", "cluster", "--capacity-warmup", "-1");
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.stderr()).contains("capacity-warmup must be >= 0, got -1");
  }

  @Test
  void noCapacityClientsExitsWithTwoNamingTheFlag() {
    Run run = runCapturingStderr("bench", "cluster", "--capacity-clients", "0");
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.stderr()).contains("capacity-clients must be >= 1, got 0");
  }

  private record Run(int code, String stderr) {}

  /** Runs the launcher with {@code args}; the commands print their usage errors to System.err. */
  private static Run runCapturingStderr(String... args) {
    PrintStream stderr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      code =
          Lumina.newCommandLine().setErr(new PrintWriter(new StringWriter(), true)).execute(args);
    } finally {
      System.setErr(stderr);
    }
    return new Run(code, captured.toString(StandardCharsets.UTF_8));
  }
}

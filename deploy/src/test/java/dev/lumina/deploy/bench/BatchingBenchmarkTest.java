package dev.lumina.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchingBenchmarkTest {
  @TempDir Path tmp;

  @Test
  void jobsSharingForwardsReturnTheirLoneResultsAndEveryFigureIsReported() throws Exception {
    Path model = BenchModelDir.write(tmp.resolve("m"));
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    BatchingBenchmark.Report r =
        BatchingBenchmark.run(
            new BatchingBenchmark.Settings(model, 3, 3, 8, 0, 1 << 16),
            new PrintStream(log, true, StandardCharsets.UTF_8));
    assertThat(r.identical()).isEqualTo(3);
    assertThat(r.loneMs()).isPositive();
    assertThat(r.throughputRatio()).isPositive();
    assertThat(r.latencyP50Ms()).isPositive().isLessThanOrEqualTo(r.latencyMaxMs());
    // Three jobs of 3 steps: 9 evaluations, fewer forwards when they share.
    assertThat(r.forwards()).isBetween(3L, 9L);
    assertThat(r.rows()).isEqualTo(9L * 2);
    assertThat(log.toString(StandardCharsets.UTF_8))
        .contains("one at a time: 3 jobs", "continuous batching: 3 jobs");
  }

  @Test
  void settingsOutOfRangeNameTheFlag() {
    assertThatThrownBy(() -> new BatchingBenchmark.Settings(tmp, 1, 3, 8, 0, 1))
        .hasMessage("--jobs must be in [2, 64], got 1");
    assertThatThrownBy(() -> new BatchingBenchmark.Settings(tmp, 2, 3, 8, -1, 1))
        .hasMessage("--spread must be in [0, 10], got -1.0");
  }
}

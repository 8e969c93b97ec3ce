package dev.lumina.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CapacityRunTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Test
  void settingsNameTheFlagAndItsLimit() {
    assertThatThrownBy(() -> new CapacityRun.Settings(-1, 0, 1, TIMEOUT))
        .hasMessage("capacity-jobs must be >= 0, got -1");
    assertThatThrownBy(() -> new CapacityRun.Settings(10, -3, 1, TIMEOUT))
        .hasMessage("capacity-warmup must be >= 0, got -3");
    assertThatThrownBy(() -> new CapacityRun.Settings(10, 0, 0, TIMEOUT))
        .hasMessage("capacity-clients must be >= 1, got 0");
    assertThatThrownBy(() -> new CapacityRun.Settings(10, 0, 1, Duration.ZERO))
        .hasMessageContaining("job-timeout must be positive");
  }

  @Test
  void cpuPerJobIsTheProcessCpuOverCompletedJobs() {
    CapacityRun.Result r =
        new CapacityRun.Result(1000, 800, 200, 0, 2.0, 3.2, "Produce 1.02, Fetch 0.68");
    assertThat(r.cpuMillisPerJob()).isEqualTo(4.0);
    assertThat(r.jobsPerSecond()).isEqualTo(400.0);
    int cores = Runtime.getRuntime().availableProcessors();
    assertThat(r.describe())
        .contains("process CPU 4.00 ms/job (" + Math.round(160.0 / cores) + "% of " + cores)
        .contains("  broker requests per job: Produce 1.02, Fetch 0.68")
        .contains("NOT met");
  }

  @Test
  void unknownCpuIsSaidSoRatherThanPrintedAsAFigure() {
    CapacityRun.Result r = new CapacityRun.Result(10, 10, 0, 0, 1.0, -1, "");
    assertThat(r.cpuMillisPerJob()).isNegative();
    assertThat(r.describe())
        .contains("process CPU not reported by this JVM")
        .doesNotContain("broker requests");
  }

  @Test
  void aPhaseIsExactOnlyWhenNeitherRunLostOrDuplicatedAJob() {
    CapacityRun.Result clean = new CapacityRun.Result(10, 10, 0, 0, 1.0, 0.5, "");
    CapacityRun.Result twice = new CapacityRun.Result(10, 9, 0, 1, 1.0, 0.5, "");
    assertThat(new CapacityRun.Phase(null, clean).exact()).isTrue();
    assertThat(new CapacityRun.Phase(twice, clean).exact()).isFalse();
    assertThat(new CapacityRun.Phase(clean, twice).exact()).isFalse();
    assertThat(new CapacityRun.Phase(clean, clean).describe())
        .startsWith("warm-up     10 jobs")
        .contains("capacity    10 jobs");
  }

  @Test
  void brokerRequestsPerJobAreTheDifferenceOverTheJobsMostFirst() {
    Map<String, Long> before = Map.of("Produce", 100L, "Fetch", 50L, "Metadata", 7L);
    Map<String, Long> after =
        Map.of("Produce", 300L, "Fetch", 450L, "Metadata", 7L, "OffsetCommit", 20L);
    assertThat(BrokerRequests.perJob(before, after, 200))
        .isEqualTo("Fetch 2.00, Produce 1.00, OffsetCommit 0.10");
    assertThat(BrokerRequests.perJob(before, after, 0)).isEmpty();
  }
}

package dev.lumina.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClusterBenchmarkTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Test
  void settingsNameTheFlagAndItsLimit() {
    assertThatThrownBy(() -> new ClusterBenchmark.Settings(-1, 0, 1, 1, 1, 0, 0, 2, TIMEOUT))
        .hasMessage("warmup must be >= 0, got -1");
    assertThatThrownBy(() -> new ClusterBenchmark.Settings(1, -5, 1, 1, 1, 0, 0, 2, TIMEOUT))
        .hasMessage("settle-jobs must be >= 0, got -5");
    assertThatThrownBy(() -> new ClusterBenchmark.Settings(1, 0, 1, 0, 1, 0, 0, 2, TIMEOUT))
        .hasMessage("clients must be in 1..1024, got 0");
    assertThatThrownBy(() -> new ClusterBenchmark.Settings(1, 0, 1, 1, 1, 0, 0, 1, TIMEOUT))
        .hasMessageContaining("steps must be >= 2");
  }

  @Test
  void theJitIsSettledOnceItCompilesForAtMostFivePercentOfARound() {
    assertThat(ClusterBenchmark.jitSettled(1.35, 0.9)).isFalse();
    assertThat(ClusterBenchmark.jitSettled(0.047, 0.349)).isFalse();
    assertThat(ClusterBenchmark.jitSettled(0.015, 0.361)).isTrue();
    assertThat(ClusterBenchmark.jitSettled(0.05, 1.0)).isTrue();
    assertThat(ClusterBenchmark.jitSettled(0, 0)).as("an empty round says nothing").isFalse();
  }
}

package dev.lumina.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class WorkerMetricsTest {
  @Test
  void aJobStartedTwiceCountsOneRedelivery() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    WorkerMetrics m = new WorkerMetrics(registry, "w", () -> 0);
    m.starting("j-1");
    m.starting("j-2");
    m.starting("j-1");
    assertThat(registry.get("lumina.worker.redeliveries").counter().count()).isEqualTo(1.0);
  }

  @Test
  void overlappingJobsAreBusyTimeOnce() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    WorkerMetrics m = new WorkerMetrics(registry, "w", () -> 0);
    m.begin();
    m.begin();
    m.end();
    // One job still runs: the interval is counted once, when the last one ends.
    assertThat(registry.get("lumina.worker.busy").functionCounter().count()).isZero();
    assertThat(registry.get("lumina.worker.busy.fraction").gauge().value()).isPositive();
    m.end();
    assertThat(registry.get("lumina.worker.busy").functionCounter().count()).isPositive();
    assertThat(registry.get("lumina.worker.busy.fraction").gauge().value()).isBetween(0.0, 1.0);
  }
}

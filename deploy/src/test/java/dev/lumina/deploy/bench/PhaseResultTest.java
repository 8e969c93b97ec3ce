package dev.lumina.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class PhaseResultTest {

  /** A job the worker started at {@code startMs} whose model + decode took {@code busyMs}. */
  private static JobSample ran(double startMs, long busyMs) {
    return new JobSample(1, 100, busyMs, 0, 5, 5 + busyMs, 10, startMs);
  }

  @Test
  void jobsOneAfterTheOtherAddUp() {
    assertThat(PhaseResult.busyMs(List.of(ran(0, 10), ran(20, 10), ran(10, 5))))
        .isCloseTo(25, within(1e-9));
  }

  @Test
  void jobsSharingForwardsCountOnce() {
    // Three jobs batched over [0, 30], one alone later: 30 + 10 ms, not 75.
    List<JobSample> s = List.of(ran(0, 20), ran(50, 10), ran(5, 25), ran(10, 10));
    assertThat(PhaseResult.busyMs(s)).isCloseTo(40, within(1e-9));
    PhaseResult p = PhaseResult.of("saturated", 4, s, 0, 0.08, 0);
    assertThat(p.workerSeconds()).as("summed").isCloseTo(0.065, within(1e-9));
    // Busy over the worker's span, [0, 60] ms: 40 of 60.
    assertThat(p.spanSeconds()).isCloseTo(0.06, within(1e-9));
    assertThat(p.busyFraction()).isCloseTo(40.0 / 60, within(1e-9));
  }

  @Test
  void theWaitBeforeTheFirstStartIsNotIdleButAGapBetweenJobsIs() {
    // The first job starts 500 ms into the phase; a 10 ms gap between the two jobs.
    List<JobSample> s = List.of(ran(500, 20), ran(530, 20));
    PhaseResult p = PhaseResult.of("saturated", 2, s, 0, 1.0, 0);
    assertThat(p.spanSeconds()).isCloseTo(0.05, within(1e-9));
    assertThat(p.busyFraction()).isCloseTo(40.0 / 50, within(1e-9));
  }

  @Test
  void noJobsNoBusyTime() {
    assertThat(PhaseResult.busyMs(List.of())).isZero();
    assertThat(PhaseResult.of("x", 1, List.of(), 0, 0, 0).busyFraction()).isZero();
  }
}

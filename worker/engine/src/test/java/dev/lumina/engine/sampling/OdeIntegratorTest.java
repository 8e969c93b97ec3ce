package dev.lumina.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OdeIntegratorTest {

  /** dx/dt = −x from x(0) = 1: x(1) = e^−1. */
  private static float solve(Solver solver, int points) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x0 = m.create(new float[] {1f});
      OdeResult r =
          OdeIntegrator.of(solver)
              .integrate(
                  (x, t) -> x.neg(), x0, TimeGrid.shifted(points, 1f), StepCallback.NONE, false);
      return r.last().getFloat(0);
    }
  }

  @Test
  void rk4SolvesExponentialDecayToFourthOrder() {
    assertThat((double) solve(Solver.RK4, 11)).isCloseTo(Math.exp(-1), within(1e-6));
    assertThat((double) solve(Solver.EULER, 11)).isCloseTo(Math.pow(0.9, 10), within(1e-6));
  }

  @Test
  void dopri5MeetsItsToleranceOnATimeDependentField() {
    // dx/dt = 2t·x from x(0) = 1: x(1) = e.
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x0 = m.create(new float[] {1f, 2f});
      OdeResult r =
          new OdeIntegrator(Solver.DOPRI5, 1e-7, 1e-6)
              .integrate(
                  (x, t) -> x.mul(2 * t), x0, TimeGrid.shifted(2, 1f), StepCallback.NONE, false);
      assertThat((double) r.last().getFloat(0)).isCloseTo(Math.E, within(1e-4));
      assertThat((double) r.last().getFloat(1)).isCloseTo(2 * Math.E, within(2e-4));
      assertThat(r.evaluations()).isGreaterThan(7);
    }
  }

  @Test
  void midpointIsSecondOrderOnALinearField() {
    double e1 = Math.abs(solve(Solver.MIDPOINT, 5) - Math.exp(-1));
    double e2 = Math.abs(solve(Solver.MIDPOINT, 9) - Math.exp(-1));
    assertThat(e1 / e2).isBetween(3.0, 5.0);
  }

  @Test
  void callbackReturningFalseStopsSampling() {
    AtomicInteger calls = new AtomicInteger();
    try (NDManager m = NDManager.newBaseManager()) {
      OdeResult r =
          OdeIntegrator.of(Solver.EULER)
              .integrate(
                  (x, t) -> x.neg(),
                  m.create(new float[] {1f}),
                  TimeGrid.shifted(11, 1f),
                  (step, total, t, cur) -> calls.incrementAndGet() < 3,
                  false);
      assertThat(r.completed()).isFalse();
      assertThat(r.stepsDone()).isEqualTo(3);
      assertThat(calls.get()).isEqualTo(3);
    }
  }

  @Test
  void timeGridRejectsBadArguments() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TimeGrid.shifted(1, 1f))
        .hasMessageContaining("steps")
        .hasMessageContaining(">= 2");
  }
}

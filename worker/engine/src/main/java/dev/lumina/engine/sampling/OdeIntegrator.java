package dev.lumina.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * Integrates {@code dx/dt = v(x, t)} over a time grid with the torchdiffeq update rules. Each step
 * runs in a sub-manager of the initial state's manager, so only the states kept (the current one,
 * or the whole trajectory when asked) stay alive. Stateless; thread-safe if the field is.
 *
 * @param solver update rule
 * @param atol absolute tolerance (dopri5 only, > 0)
 * @param rtol relative tolerance (dopri5 only, > 0)
 */
public record OdeIntegrator(Solver solver, double atol, double rtol) {

  public OdeIntegrator {
    if (solver == null) {
      throw new IllegalArgumentException("solver must be set");
    }
    if (!(atol > 0) || !(rtol > 0)) {
      throw new IllegalArgumentException("atol and rtol must be > 0, got " + atol + ", " + rtol);
    }
  }

  /** The reference tolerances atol 1e-6, rtol 1e-3. */
  public static OdeIntegrator of(Solver solver) {
    return new OdeIntegrator(solver, 1e-6, 1e-3);
  }

  /**
   * Integrates from {@code x0} at {@code grid[0]} through every grid point; x0 stays owned by the
   * caller.
   */
  public OdeResult integrate(
      VelocityField f, NDArray x0, float[] grid, StepCallback callback, boolean keepTrajectory) {
    return integrate(f, x0, grid, 0, callback, keepTrajectory);
  }

  /**
   * Integrates from {@code x0} at {@code grid[start]} through the remaining grid points: the run
   * that continues one stopped after {@code start} steps, given the state it had there. Every
   * solver here keeps no state across grid points beyond x (dopri5 restarts its adaptive step at
   * each grid interval), so the continuation computes exactly what the uninterrupted run would.
   * Steps are numbered from {@code start + 1}.
   */
  public OdeResult integrate(
      VelocityField f,
      NDArray x0,
      float[] grid,
      int start,
      StepCallback callback,
      boolean keepTrajectory) {
    if (grid.length < 2) {
      throw new IllegalArgumentException("grid must have >= 2 points, got " + grid.length);
    }
    if (start < 0 || start >= grid.length - 1) {
      throw new IllegalArgumentException(
          "start must be in 0.." + (grid.length - 2) + ", got " + start);
    }
    NDManager parent = x0.getManager();
    List<NDArray> trajectory = new ArrayList<>();
    if (keepTrajectory) {
      trajectory.add(x0);
    }
    int[] evals = {0};
    VelocityField counted =
        (x, t) -> {
          evals[0]++;
          return f.velocity(x, t);
        };
    NDArray cur = x0;
    int total = grid.length - 1;
    for (int k = start; k < total; k++) {
      NDArray next;
      if (solver == Solver.DOPRI5) {
        next = new Dopri5(atol, rtol).integrate(counted, cur, grid[k], grid[k + 1]);
      } else {
        try (NDManager scope = parent.newSubManager()) {
          cur.tempAttach(scope);
          next = fixedStep(counted, cur, grid[k], grid[k + 1]);
          next.attach(parent);
        }
      }
      if (cur != x0 && !keepTrajectory) {
        cur.close();
      }
      cur = next;
      if (keepTrajectory) {
        trajectory.add(cur);
      }
      if (!callback.onStep(k + 1, total, grid[k + 1], cur)) {
        return new OdeResult(cur, trajectory, false, k + 1, evals[0]);
      }
    }
    return new OdeResult(cur, trajectory, true, total, evals[0]);
  }

  private NDArray fixedStep(VelocityField f, NDArray y, float t0, float t1) {
    float dt = t1 - t0;
    switch (solver) {
      case EULER:
        return y.add(f.velocity(y, t0).mul(dt));
      case MIDPOINT:
        {
          float half = 0.5f * dt;
          NDArray mid = y.add(f.velocity(y, t0).mul(half));
          return y.add(f.velocity(mid, t0 + half).mul(dt));
        }
      case RK4:
        {
          float third = 1f / 3f;
          NDArray k1 = f.velocity(y, t0);
          NDArray k2 = f.velocity(y.add(k1.mul(dt * third)), t0 + dt * third);
          NDArray k3 = f.velocity(y.add(k2.sub(k1.mul(third)).mul(dt)), t0 + dt * (2f / 3f));
          NDArray k4 = f.velocity(y.add(k1.sub(k2).add(k3).mul(dt)), t1);
          return y.add(k1.add(k2.add(k3).mul(3f)).add(k4).mul(dt * 0.125f));
        }
      default:
        throw new IllegalStateException(solver.name());
    }
  }
}

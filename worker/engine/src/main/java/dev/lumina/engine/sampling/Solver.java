package dev.lumina.engine.sampling;

/** ODE solvers with torchdiffeq semantics (flag-dit-spec §9.3). */
public enum Solver {
  /** x ← x + Δt·v(x, t). One evaluation per step. */
  EULER,
  /** Explicit midpoint. Two evaluations per step. */
  MIDPOINT,
  /** Runge–Kutta 4 with the 3/8 rule. Four evaluations per step. */
  RK4,
  /** Dormand–Prince 5(4), adaptive with atol/rtol; the grid only selects output points. */
  DOPRI5
}

package dev.lumina.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Dormand–Prince 5(4) with error control (RMS norm of err / (atol + rtol·max(|y0|, |y1|)), safety
 * 0.9, step factor clamped to [0.2, 10]); steps are clipped to land on the segment end.
 */
final class Dopri5 {

  private static final double[][] A = {
    {},
    {1.0 / 5},
    {3.0 / 40, 9.0 / 40},
    {44.0 / 45, -56.0 / 15, 32.0 / 9},
    {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
    {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
    {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84}
  };
  private static final double[] C = {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1};
  private static final double[] B5 = {
    35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0
  };
  private static final double[] B4 = {
    5179.0 / 57600, 0, 7571.0 / 16695, 393.0 / 640, -92097.0 / 339200, 187.0 / 2100, 1.0 / 40
  };
  private static final int MAX_STEPS = 10_000;

  private final double atol;
  private final double rtol;

  Dopri5(double atol, double rtol) {
    this.atol = atol;
    this.rtol = rtol;
  }

  /** Integrates from t0 to t1; the result is attached to y0's manager. */
  NDArray integrate(VelocityField f, NDArray y0, float t0, float t1) {
    NDManager parent = y0.getManager();
    double t = t0;
    double h = (t1 - t0) / 4.0;
    NDArray y = y0;
    for (int n = 0; n < MAX_STEPS && t < t1; n++) {
      h = Math.min(h, t1 - t);
      NDArray accepted = null;
      double err;
      try (NDManager scope = parent.newSubManager()) {
        y.tempAttach(scope);
        NDArray[] k = new NDArray[7];
        for (int s = 0; s < 7; s++) {
          NDArray yi = y;
          for (int j = 0; j < s; j++) {
            if (A[s][j] != 0) {
              yi = yi.add(k[j].mul((float) (h * A[s][j])));
            }
          }
          k[s] = f.velocity(yi, (float) (t + C[s] * h));
        }
        NDArray y5 = y;
        NDArray e = null;
        for (int s = 0; s < 7; s++) {
          if (B5[s] != 0) {
            y5 = y5.add(k[s].mul((float) (h * B5[s])));
          }
          NDArray term = k[s].mul((float) (h * (B5[s] - B4[s])));
          e = e == null ? term : e.add(term);
        }
        NDArray scale = y.abs().maximum(y5.abs()).mul((float) rtol).add((float) atol);
        err = Math.sqrt(e.div(scale).square().mean().getFloat());
        if (err <= 1 || h < 1e-7) {
          y5.attach(parent);
          accepted = y5;
        }
      }
      double factor = err == 0 ? 10 : Math.min(10, Math.max(0.2, 0.9 * Math.pow(err, -0.2)));
      if (accepted != null) {
        t += h;
        if (y != y0) {
          y.close();
        }
        y = accepted;
      }
      h *= factor;
    }
    if (t < t1) {
      throw new IllegalStateException(
          "dopri5 did not reach t=" + t1 + " in " + MAX_STEPS + " steps");
    }
    return y;
  }
}

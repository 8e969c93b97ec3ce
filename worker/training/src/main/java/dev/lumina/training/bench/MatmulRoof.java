package dev.lumina.training.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.pytorch.ScriptValue;
import dev.lumina.engine.pytorch.ScriptedModule;
import java.util.Arrays;

/**
 * The machine's practical matmul rates: square {@code size × size} products in float32 (an engine
 * op) and in bfloat16 (inside a TorchScript module, on operands cast once and kept in libtorch),
 * median of {@code reps} after one warmup, as GFLOP/s (2·size³ per product). Each timing ends by
 * reading one value of the product back to the host. Not thread-safe.
 */
final class MatmulRoof implements AutoCloseable {

  private final NDManager manager;
  private final int size;
  private final int reps;
  private final NDArray a;
  private final NDArray b;
  private final ScriptedModule bf16;
  private final ScriptValue aLow;
  private final ScriptValue bLow;

  MatmulRoof(NDManager manager, int size, int reps) {
    this.manager = manager;
    this.size = size;
    this.reps = reps;
    this.a = manager.randomNormal(new Shape(size, size));
    this.b = manager.randomNormal(new Shape(size, size));
    this.bf16 =
        ScriptedModule.compile(
            "LuminaMatmulRoof",
            "  def forward(self: __torch__.LuminaMatmulRoof, a: Tensor, b: Tensor) -> Tensor:\n"
                + "    return torch.to(torch.select(torch.select(torch.mm(a, b), 0, 0), 0, 0), 6)\n"
                + "  def cast(self: __torch__.LuminaMatmulRoof, a: Tensor) -> Tensor:\n"
                + "    return torch.to(a, 15)\n");
    this.aLow = bf16.invokeValue("cast", a);
    this.bLow = bf16.invokeValue("cast", b);
  }

  /** Median float32 GFLOP/s. */
  double fp32() {
    double[] ms = new double[reps];
    for (int i = -1; i < reps; i++) {
      long t0 = System.nanoTime();
      try (NDArray c = a.matMul(b);
          NDArray corner = c.get(0, 0)) {
        corner.getFloat(); // forces completion on asynchronous devices
      }
      if (i >= 0) {
        ms[i] = (System.nanoTime() - t0) / 1e6;
      }
    }
    return gflops(ms);
  }

  /** Median bfloat16 GFLOP/s. */
  double bf16() {
    double[] ms = new double[reps];
    for (int i = -1; i < reps; i++) {
      long t0 = System.nanoTime();
      try (NDArray corner = bf16.invokeInto(manager, "forward", aLow, bLow)) {
        corner.getFloat();
      }
      if (i >= 0) {
        ms[i] = (System.nanoTime() - t0) / 1e6;
      }
    }
    return gflops(ms);
  }

  private double gflops(double[] ms) {
    return 2.0 * size * size * size / (median(ms) * 1e6);
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  @Override
  public void close() {
    aLow.close();
    bLow.close();
    bf16.close();
    a.close();
    b.close();
  }
}

package dev.lumina.training.verify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.checkpoint.HostTensor;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One PASS/FAIL line per reference tensor, the way every verifier prints them: floats within {@code
 * 1e-4 · max(1, max|ref|)}, names in {@code exact} equal, 8-bit images ({@code image_u8*}) within
 * ±1 on at most {@value #U8_FRACTION} of their values; a name the verifier cannot compute is
 * skipped and said so.
 */
final class VectorReport {
  /** Share of 8-bit values that may differ by one (rounding at a boundary). */
  static final double U8_FRACTION = 0.005;

  private VectorReport() {}

  /**
   * Compares every tensor of {@code ref} with what {@code computed} gives for its name (null =
   * unknown) and prints the lines and a summary; returns 0 when all compared pass and at least one
   * was compared.
   */
  static int print(
      Map<String, HostTensor> ref,
      Function<String, NDArray> computed,
      Set<String> exact,
      PrintStream out) {
    return print(ref, computed, exact, out, ModelVerifier.FP32_TOLERANCE);
  }

  /** As above with float tolerance {@code relTol · max(1, max|ref|)}. */
  static int print(
      Map<String, HostTensor> ref,
      Function<String, NDArray> computed,
      Set<String> exact,
      PrintStream out,
      double relTol) {
    int failures = 0;
    int compared = 0;
    for (Map.Entry<String, HostTensor> e : ref.entrySet()) {
      String name = e.getKey();
      NDArray actual = computed.apply(name);
      if (actual == null) {
        out.printf(Locale.ROOT, "%-32s skipped (unknown name)%n", name);
        continue;
      }
      actual = matchRank(actual, e.getValue());
      boolean pass;
      double[] r;
      String extra = "";
      if (name.startsWith("image_u8")) {
        long[] u8 = compareU8(actual, e.getValue());
        long allowed = (long) Math.floor(U8_FRACTION * e.getValue().size());
        r = new double[] {u8[0] < 0 ? Double.POSITIVE_INFINITY : u8[0], 1};
        if (relTol > ModelVerifier.FP32_TOLERANCE) {
          // A reduced-precision engine: every value within the float tolerance of 255 levels.
          long levels = Math.round(relTol * 255);
          r[1] = levels;
          pass = u8[0] >= 0 && u8[0] <= levels;
        } else {
          pass = u8[0] >= 0 && u8[0] <= 1 && u8[1] <= allowed;
        }
        extra =
            String.format(
                Locale.ROOT, "%d/%d differ (allowed %d)  ", u8[1], e.getValue().size(), allowed);
      } else {
        r = ModelVerifier.compare(actual, e.getValue(), relTol);
        if (exact.contains(name)) {
          r[1] = 0;
        }
        pass = r[0] <= r[1];
      }
      compared++;
      failures += pass ? 0 : 1;
      out.printf(
          Locale.ROOT,
          "%-32s max|err| %.3e  tol %.3e  %s%s%n",
          name,
          r[0],
          r[1],
          extra,
          pass ? "PASS" : "FAIL");
    }
    out.printf(Locale.ROOT, "%d compared, %d failed%n", compared, failures);
    return failures == 0 && compared > 0 ? 0 : 1;
  }

  /** A leading batch axis of 1 dropped when the reference stores one item without it. */
  static NDArray matchRank(NDArray actual, HostTensor expected) {
    Shape s = actual.getShape();
    if (s.dimension() == expected.shape().length + 1
        && s.get(0) == 1
        && s.slice(1).equals(new Shape(expected.shape()))) {
      return actual.reshape(s.slice(1));
    }
    return actual;
  }

  /** {max|Δ| (-1 on a shape mismatch), values that differ at all} of two 8-bit images. */
  static long[] compareU8(NDArray actual, HostTensor expected) {
    if (!actual.getShape().equals(new Shape(expected.shape()))) {
      return new long[] {-1, expected.size()};
    }
    float[] a = actual.toFloatArray();
    float[] e = expected.data();
    long max = 0;
    long differ = 0;
    for (int i = 0; i < a.length; i++) {
      long d = Float.isNaN(a[i]) ? 256 : Math.abs(Math.round(a[i]) - Math.round(e[i]));
      max = Math.max(max, d);
      differ += d > 0 ? 1 : 0;
    }
    return new long[] {max, differ};
  }
}

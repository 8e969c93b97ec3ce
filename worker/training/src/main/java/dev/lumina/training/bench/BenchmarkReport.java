package dev.lumina.training.bench;

import java.util.List;
import java.util.Locale;

/**
 * The result of one {@link ModelBenchmark} run: the engine's measured fp32 matmul rate and one row
 * per forward case. Immutable.
 *
 * @param device the device the run used, as the engine names it
 * @param threads intra-op threads of the engine
 * @param matmulSize side of the square matmul used as the roof
 * @param matmulGflops median over the run of the fp32 matmul rate, GFLOP/s
 * @param rows one row per forward case, in run order
 */
public record BenchmarkReport(
    String device, int threads, int matmulSize, double matmulGflops, List<Row> rows) {

  public BenchmarkReport {
    rows = List.copyOf(rows);
    if (!(matmulGflops > 0)) {
      throw new IllegalArgumentException("matmulGflops must be > 0, got " + matmulGflops);
    }
  }

  /**
   * One timed forward configuration.
   *
   * @param forwardCase what was run
   * @param precision {@code fp32}, or a note on the reduced-precision variant
   * @param msPerForward median wall time of one forward, ms
   * @param gflops {@code flops / median time}, GFLOP/s
   * @param matmulGflops the fp32 matmul rate measured right before this case, GFLOP/s
   * @param ratio {@code gflops / matmulGflops}
   * @param maxAbsError largest absolute difference from the fp32 output, or NaN for fp32 itself
   */
  public record Row(
      ForwardCase forwardCase,
      String precision,
      double msPerForward,
      double gflops,
      double matmulGflops,
      double ratio,
      double maxAbsError) {}

  /** The report as a plain-text table. */
  public String table() {
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "device %s, %d intra-op threads; fp32 matmul %d x %d: %.1f GFLOP/s (median)%n",
            device,
            threads,
            matmulSize,
            matmulSize,
            matmulGflops));
    s.append(
        String.format(
            Locale.ROOT,
            "%-18s %-6s %7s %9s %11s %9s %10s %7s %10s%n",
            "config",
            "prec",
            "tokens",
            "GFLOP",
            "ms/forward",
            "GFLOP/s",
            "matmul",
            "ratio",
            "max|err|"));
    for (Row r : rows) {
      s.append(
          String.format(
              Locale.ROOT,
              "%-18s %-6s %7d %9.1f %11.1f %9.1f %10.1f %7.2f %10s%n",
              r.forwardCase().label(),
              r.precision(),
              r.forwardCase().tokens(),
              r.forwardCase().flops() / 1e9,
              r.msPerForward(),
              r.gflops(),
              r.matmulGflops(),
              r.ratio(),
              Double.isNaN(r.maxAbsError())
                  ? "-"
                  : String.format(Locale.ROOT, "%.2e", r.maxAbsError())));
    }
    return s.toString();
  }
}

package dev.lumina.training.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The result of one {@link ModelBenchmark} run: the engine's measured matmul rates, one row per
 * forward case and engine mode, and the sampling rows of a real model. Immutable.
 *
 * @param device the device the run used, as the engine names it
 * @param threads intra-op threads of the engine
 * @param matmulSize side of the square matmul used as the roof
 * @param matmulGflops median over the run of the fp32 matmul rate, GFLOP/s
 * @param bf16MatmulGflops median over the run of the bf16 matmul rate, GFLOP/s
 * @param rows one row per forward case and mode, in run order
 * @param sampling one row per engine mode of the sampling phase (empty when not run)
 * @param decoding one row per engine of the VAE decode phase (empty when not run)
 */
public record BenchmarkReport(
    String device,
    int threads,
    int matmulSize,
    double matmulGflops,
    double bf16MatmulGflops,
    List<Row> rows,
    List<SamplingRow> sampling,
    List<DecodeRow> decoding) {

  public BenchmarkReport {
    rows = List.copyOf(rows);
    sampling = List.copyOf(sampling);
    decoding = List.copyOf(decoding);
    if (!(matmulGflops > 0)) {
      throw new IllegalArgumentException("matmulGflops must be > 0, got " + matmulGflops);
    }
  }

  /**
   * One timed forward configuration.
   *
   * @param forwardCase what was run
   * @param mode engine and precision, e.g. {@code compiled bf16}
   * @param msPerForward median wall time of one forward, ms
   * @param gflops {@code flops / median time}, GFLOP/s
   * @param matmulGflops the matmul rate of this row's precision measured right before its case
   * @param ratio {@code gflops / matmulGflops}
   * @param speedup eager fp32 time of the same case ÷ this row's time
   * @param relError largest |difference| from the eager fp32 output ÷ its largest |value|
   * @param weightBytes resident bytes of the model's weights in this mode
   */
  public record Row(
      ForwardCase forwardCase,
      String mode,
      double msPerForward,
      double gflops,
      double matmulGflops,
      double ratio,
      double speedup,
      double relError,
      long weightBytes) {}

  /**
   * Sampling with a real model in one engine mode.
   *
   * @param label model, size and steps
   * @param mode engine and precision
   * @param sampleMs median sampling time of one generation (every step, guidance on), ms
   * @param speedup eager fp32 time ÷ this row's time
   * @param weightBytes resident bytes of the loaded model (Flag-DiT, text encoder, decoder)
   */
  public record SamplingRow(
      String label, String mode, double sampleMs, double speedup, long weightBytes) {}

  /**
   * One VAE decode in one engine.
   *
   * @param label decoder and picture size
   * @param mode engine and precision
   * @param ms median time of one decode, ms
   * @param speedup per-op time ÷ this row's time
   * @param relError largest |difference| from the per-op picture ÷ its largest |value|
   */
  public record DecodeRow(String label, String mode, double ms, double speedup, double relError) {}

  /** This report with {@code rows} as its sampling rows. */
  public BenchmarkReport withSampling(List<SamplingRow> rows) {
    return new BenchmarkReport(
        device, threads, matmulSize, matmulGflops, bf16MatmulGflops, this.rows, rows, decoding);
  }

  /** This report with {@code rows} as its decode rows. */
  public BenchmarkReport withDecoding(List<DecodeRow> rows) {
    return new BenchmarkReport(
        device, threads, matmulSize, matmulGflops, bf16MatmulGflops, this.rows, sampling, rows);
  }

  /** The row of {@code label} at {@code tokens} in {@code mode}, if it was run. */
  public Optional<Row> row(String label, int tokens, String mode) {
    return rows.stream()
        .filter(
            r ->
                r.forwardCase().label().equals(label)
                    && r.forwardCase().tokens() == tokens
                    && r.mode().equals(mode))
        .findFirst();
  }

  /** The report as a plain-text table. */
  public String table() {
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "device %s, %d intra-op threads; matmul %d x %d: fp32 %.1f GFLOP/s, bf16 %.1f GFLOP/s"
                + " (medians)%n",
            device,
            threads,
            matmulSize,
            matmulSize,
            matmulGflops,
            bf16MatmulGflops));
    s.append(
        String.format(
            Locale.ROOT,
            "%-18s %-14s %7s %8s %11s %9s %8s %6s %8s %9s %9s%n",
            "config",
            "engine",
            "tokens",
            "GFLOP",
            "ms/forward",
            "GFLOP/s",
            "roof",
            "ratio",
            "x eager",
            "rel err",
            "weights"));
    for (Row r : rows) {
      s.append(
          String.format(
              Locale.ROOT,
              "%-18s %-14s %7d %8.2f %11.2f %9.1f %8.1f %6.2f %8.2f %9.1e %8.1fM%n",
              r.forwardCase().label(),
              r.mode(),
              r.forwardCase().tokens(),
              r.forwardCase().flops() / 1e9,
              r.msPerForward(),
              r.gflops(),
              r.matmulGflops(),
              r.ratio(),
              r.speedup(),
              r.relError(),
              r.weightBytes() / (1024.0 * 1024.0)));
    }
    if (!sampling.isEmpty()) {
      s.append(
          String.format(
              Locale.ROOT,
              "%n%-36s %-14s %11s %8s %9s%n",
              "sampling",
              "engine",
              "ms",
              "x eager",
              "weights"));
      for (SamplingRow r : sampling) {
        s.append(
            String.format(
                Locale.ROOT,
                "%-36s %-14s %11.0f %8.2f %8.1fM%n",
                r.label(),
                r.mode(),
                r.sampleMs(),
                r.speedup(),
                r.weightBytes() / (1024.0 * 1024.0)));
      }
    }
    if (!decoding.isEmpty()) {
      s.append(
          String.format(
              Locale.ROOT,
              "%n%-36s %-14s %11s %8s %9s%n",
              "VAE decode",
              "engine",
              "ms",
              "x eager",
              "rel err"));
      for (DecodeRow r : decoding) {
        s.append(
            String.format(
                Locale.ROOT,
                "%-36s %-14s %11.1f %8.2f %9.1e%n",
                r.label(),
                r.mode(),
                r.ms(),
                r.speedup(),
                r.relError()));
      }
    }
    List<String> goals = goals();
    if (!goals.isEmpty()) {
      s.append(String.format(Locale.ROOT, "%ngoals:%n"));
      goals.forEach(g -> s.append("  ").append(g).append('\n'));
    }
    return s.toString();
  }

  /** The compiled engine's targets, each with the measured figure and met / NOT MET. */
  List<String> goals() {
    List<String> out = new ArrayList<>();
    row("d384/h6/L8 B2", 272, "compiled fp32")
        .ifPresent(
            r -> out.add(goal("d384/L8 272 tokens: compiled fp32 vs eager", r.speedup(), 1.5)));
    row("d384/h6/L8 B2", 1056, "compiled fp32")
        .ifPresent(
            r -> out.add(goal("d384/L8 1056 tokens: compiled fp32 vs eager", r.speedup(), 1.2)));
    row("d384/h6/L8 B2", 1056, "compiled bf16")
        .ifPresent(
            r ->
                out.add(
                    goal("d384/L8 1056 tokens: compiled bf16 vs eager fp32", r.speedup(), 2.0)));
    row("d768/h12/L12 B2", 1056, "compiled fp32")
        .ifPresent(
            r -> out.add(goal("d768/L12 1056 tokens: compiled fp32 / fp32 roof", r.ratio(), 0.6)));
    for (SamplingRow r : sampling) {
      if (r.mode().equals("compiled fp32")) {
        boolean met = r.sampleMs() <= 800;
        out.add(
            String.format(
                Locale.ROOT,
                "%s, compiled fp32: %.0f ms (goal <= 800 ms) %s",
                r.label(),
                r.sampleMs(),
                met ? "met" : "NOT MET"));
      }
    }
    return out;
  }

  private static String goal(String what, double value, double atLeast) {
    return String.format(
        Locale.ROOT,
        "%s: %.2f (goal >= %.2f) %s",
        what,
        value,
        atLeast,
        value >= atLeast ? "met" : "NOT MET");
  }
}

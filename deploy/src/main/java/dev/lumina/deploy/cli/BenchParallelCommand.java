package dev.lumina.deploy.cli;

import dev.lumina.deploy.bench.CostModel;
import dev.lumina.deploy.bench.ParallelBenchmark;
import dev.lumina.engine.Engines;
import dev.lumina.training.bench.ForwardCase;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lumina bench parallel}: the shard-group transport's rate, one guided forward per layout
 * with each rank's bytes against the formula, and the cost model of Lumina-T2I 5B on 8 GPUs.
 */
@Command(
    name = "parallel",
    mixinStandardHelpOptions = true,
    description =
        "Measure shard groups: gRPC transport rate on loopback, a guided forward per layout"
            + " (bytes per layer against the formula), and the cost of Lumina-T2I 5B on 8 GPUs"
            + " per layout and link.")
final class BenchParallelCommand implements Callable<Integer> {

  @Option(
      names = "--dim",
      defaultValue = "256",
      description = "Model width of the layout rows (default: ${DEFAULT-VALUE}).")
  int dim;

  @Option(
      names = "--heads",
      defaultValue = "8",
      description = "Heads (default: ${DEFAULT-VALUE}; Ulysses 2 needs an even count).")
  int heads;

  @Option(
      names = "--layers",
      defaultValue = "4",
      description = "Blocks (default: ${DEFAULT-VALUE}).")
  int layers;

  @Option(
      names = "--tokens",
      defaultValue = "1056",
      description = "Image tokens, g·(g+1): 72, 272, 1056, 4160 (default: ${DEFAULT-VALUE}).")
  int tokens;

  @Option(
      names = "--reps",
      defaultValue = "3",
      description = "Timed forwards per layout after one warmup (default: ${DEFAULT-VALUE}).")
  int reps;

  @Option(
      names = "--transport-mib",
      defaultValue = "16",
      description = "Part size of the transport measurement, MiB (default: ${DEFAULT-VALUE}).")
  int transportMib;

  @Option(
      names = "--transport-reps",
      defaultValue = "10",
      description = "Timed all-to-alls of the transport measurement (default: ${DEFAULT-VALUE}).")
  int transportReps;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description = "Intra-op threads, 0 = the engine's default (default: ${DEFAULT-VALUE}).")
  int threads;

  @Override
  public Integer call() throws Exception {
    ParallelBenchmark.Settings settings;
    try {
      if (heads % 2 != 0) {
        throw new IllegalArgumentException("--heads must be even (the layouts use ulysses=2)");
      }
      settings =
          new ParallelBenchmark.Settings(
              ForwardCase.of(dim, heads, layers, 2, tokens), reps, transportMib, transportReps);
      Engines.setThreads(threads);
    } catch (IllegalArgumentException e) {
      System.err.println("lumina bench parallel: " + e.getMessage());
      return 2;
    }
    ParallelBenchmark.Report r = ParallelBenchmark.run(settings, System.out);
    System.out.println();
    System.out.print(table(r));
    boolean all = r.layouts().stream().allMatch(ParallelBenchmark.LayoutRow::bytesMatch);
    return all ? 0 : 1;
  }

  static String table(ParallelBenchmark.Report r) {
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "%-24s %-6s %5s %10s %8s %9s %14s %12s %10s %8s %12s %s%n",
            "layout",
            "link",
            "ranks",
            "ms/fwd",
            "x 1 rank",
            "rel err",
            "ulysses B/lyr",
            "ring B/lyr",
            "gather B",
            "cfg B",
            "act MB/rank",
            "bytes"));
    for (ParallelBenchmark.LayoutRow l : r.layouts()) {
      s.append(
          String.format(
              Locale.ROOT,
              "%-24s %-6s %5d %10.1f %8.2f %9.1e %14d %12d %10d %8d %12.1f %s%n",
              l.layout(),
              l.transport(),
              l.ranks(),
              l.figures().ms(),
              l.speedup(),
              l.figures().relError(),
              l.figures().ulyssesPerLayer(),
              l.figures().ringPerLayer(),
              l.figures().gather(),
              l.figures().cfg(),
              l.activationBytes() / 1e6,
              l.bytesMatch() ? "= formula" : "NOT the formula " + l.figures().formula()));
    }
    s.append(
        String.format(
            Locale.ROOT,
            "%nLumina-T2I 5B, one guided step on 8 GPUs (bf16, %.0f TFLOP/s achieved per GPU,"
                + " traffic not overlapped):%n",
            CostModel.ACHIEVED_FLOPS / 1e12));
    s.append(
        String.format(
            Locale.ROOT,
            "%-24s %7s %-16s %10s %12s %11s %6s%n",
            "layout",
            "tokens",
            "link",
            "compute ms",
            "MB per rank",
            "traffic ms",
            "eff"));
    for (CostModel.Row p : r.paper()) {
      s.append(
          String.format(
              Locale.ROOT,
              "%-24s %7d %-16s %10.1f %12.1f %11.1f %6.2f%n",
              p.layout(),
              p.tokens(),
              p.link(),
              p.computeMs(),
              p.bytesPerRank() / 1e6,
              p.trafficMs(),
              p.efficiency()));
    }
    return s.toString();
  }
}

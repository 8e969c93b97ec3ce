package dev.lumina.deploy.bench;

import dev.lumina.engine.parallel.LocalGroup;
import dev.lumina.engine.parallel.ParallelDegrees;
import dev.lumina.engine.parallel.ShardMesh;
import dev.lumina.training.bench.ForwardCase;
import dev.lumina.training.bench.ParallelLayouts;
import dev.lumina.worker.shard.GrpcCollective;
import dev.lumina.worker.shard.ShardServer;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@code lumina bench parallel}: the network transport's rate on loopback, one guided Flag-DiT
 * forward per layout (one rank, CFG-parallel, Ulysses, Ring, their products; ranks as threads of
 * this process, and Ulysses over gRPC on loopback), each rank's counted bytes against the formula,
 * and the cost model of Lumina-T2I 5B on 8 GPUs ({@link CostModel}) with the measured gRPC rate as
 * one of its links.
 */
public final class ParallelBenchmark {

  private static final Duration DEADLINE = Duration.ofMinutes(10);

  /**
   * What to run.
   *
   * @param forwardCase the model and sequence of the layout rows (its batch is ignored: a guided
   *     job, 2 rows)
   * @param reps timed forwards per layout (after one warmup)
   * @param transportMiB size of one part in the transport measurement
   * @param transportReps timed all-to-alls
   */
  public record Settings(ForwardCase forwardCase, int reps, int transportMiB, int transportReps) {
    public Settings {
      if (reps < 1 || transportReps < 1) {
        throw new IllegalArgumentException("--reps and --transport-reps must be >= 1");
      }
      if (transportMiB < 1 || transportMiB > 256) {
        throw new IllegalArgumentException(
            "--transport-mib must be in [1, 256], got " + transportMiB);
      }
    }
  }

  /**
   * One layout's row: the engine's figures, the link they crossed, the speed against one rank and
   * the estimated activation bytes per rank.
   */
  public record LayoutRow(
      String transport, ParallelLayouts.Row figures, double speedup, long activationBytes) {
    /** The layout's name. */
    public String layout() {
      return figures.degrees().toString();
    }

    /** Ranks of the layout. */
    public int ranks() {
      return figures.degrees().ranks();
    }

    /** Whether every counted byte figure equals the formula. */
    public boolean bytesMatch() {
      return figures.bytesMatch();
    }
  }

  /** A run's figures. */
  public record Report(double grpcMBps, List<LayoutRow> layouts, List<CostModel.Row> paper) {}

  private ParallelBenchmark() {}

  /** The layouts of the in-process rows. */
  static final List<ParallelDegrees> LAYOUTS =
      List.of(
          ParallelDegrees.SINGLE,
          new ParallelDegrees(2, 1, 1),
          new ParallelDegrees(1, 2, 1),
          new ParallelDegrees(1, 1, 2),
          new ParallelDegrees(2, 2, 1),
          new ParallelDegrees(1, 2, 2));

  public static Report run(Settings s, PrintStream progress) throws Exception {
    double rate = transportRate(s.transportMiB(), s.transportReps());
    progress.printf(
        Locale.ROOT,
        "gRPC transport on loopback: %.0f MB/s per rank (%d MiB parts, all-to-all of 2 ranks)%n",
        rate,
        s.transportMiB());
    List<LayoutRow> rows = new ArrayList<>();
    try (ParallelLayouts layouts = new ParallelLayouts(s.forwardCase())) {
      double single = Double.NaN;
      ParallelLayouts.Transport local = (d, closing) -> LocalGroup.mesh(d, DEADLINE);
      for (ParallelDegrees d : LAYOUTS) {
        ParallelLayouts.Row r = layouts.run(d, local, s.reps(), DEADLINE);
        if (Double.isNaN(single)) {
          single = r.ms();
        }
        LayoutRow row =
            new LayoutRow(
                d.ranks() == 1 ? "-" : "local",
                r,
                single / r.ms(),
                layouts.activationBytesPerRank(d));
        print(progress, row);
        rows.add(row);
      }
      ParallelDegrees u2 = new ParallelDegrees(1, 2, 1);
      ParallelLayouts.Row g = layouts.run(u2, ParallelBenchmark::grpcUlysses, s.reps(), DEADLINE);
      LayoutRow grpc =
          new LayoutRow("gRPC", g, single / g.ms(), layouts.activationBytesPerRank(u2));
      print(progress, grpc);
      rows.add(grpc);
    }
    return new Report(rate, rows, CostModel.lumina5b(rate * 1e6));
  }

  private static void print(PrintStream out, LayoutRow r) {
    ParallelLayouts.Row f = r.figures();
    out.printf(
        Locale.ROOT,
        "  %-24s %-6s %d ranks: %8.1f ms (x%.2f), rel err %.1e, bytes/layer %d + %d, gather %d,"
            + " cfg %d: %s%n",
        r.layout(),
        r.transport(),
        r.ranks(),
        f.ms(),
        r.speedup(),
        f.relError(),
        f.ulyssesPerLayer(),
        f.ringPerLayer(),
        f.gather(),
        f.cfg(),
        f.bytesMatch() ? "= formula" : "formula " + f.formula());
  }

  /** MB/s one rank sends while two ranks exchange {@code mib}-MiB parts over gRPC. */
  static double transportRate(int mib, int reps) throws Exception {
    List<ShardServer> servers =
        List.of(ShardServer.start("127.0.0.1", 0), ShardServer.start("127.0.0.1", 0));
    List<String> addresses =
        List.of("127.0.0.1:" + servers.get(0).port(), "127.0.0.1:" + servers.get(1).port());
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<GrpcCollective> ranks = new ArrayList<>();
    try {
      for (int r = 0; r < 2; r++) {
        ranks.add(GrpcCollective.connect(servers.get(r), "bench", r, addresses, DEADLINE));
      }
      byte[] part = new byte[mib << 20];
      List<Future<Double>> f = new ArrayList<>();
      for (GrpcCollective rank : ranks) {
        Callable<Double> task =
            () -> {
              byte[][] parts = {part, part};
              rank.allToAll(parts); // warmup: streams open, buffers sized
              long t0 = System.nanoTime();
              for (int i = 0; i < reps; i++) {
                rank.allToAll(parts);
              }
              return (double) part.length * reps / ((System.nanoTime() - t0) / 1e9) / 1e6;
            };
        f.add(pool.submit(task));
      }
      return Math.min(f.get(0).get(10, TimeUnit.MINUTES), f.get(1).get(10, TimeUnit.MINUTES));
    } finally {
      ranks.forEach(GrpcCollective::close);
      servers.forEach(ShardServer::close);
      pool.shutdownNow();
    }
  }

  /** Ulysses meshes whose groups run over gRPC on loopback. */
  private static List<ShardMesh> grpcUlysses(ParallelDegrees d, List<AutoCloseable> closing) {
    int u = d.ulysses();
    List<ShardServer> servers = new ArrayList<>();
    List<String> addresses = new ArrayList<>();
    for (int r = 0; r < u; r++) {
      ShardServer s = ShardServer.start("127.0.0.1", 0);
      servers.add(s);
      closing.add(s);
      addresses.add("127.0.0.1:" + s.port());
    }
    List<ShardMesh> out = new ArrayList<>();
    for (int r = 0; r < u; r++) {
      // Two groups over the same servers: the all-to-alls and the final gather, counted apart.
      GrpcCollective seq =
          GrpcCollective.connect(servers.get(r), "bench-sequence", r, addresses, DEADLINE);
      GrpcCollective uly =
          GrpcCollective.connect(servers.get(r), "bench-ulysses", r, addresses, DEADLINE);
      closing.add(0, seq);
      closing.add(0, uly);
      out.add(new ShardMesh(d, seq, uly, LocalGroup.single(), LocalGroup.single()));
    }
    return out;
  }
}

package dev.lumina.deploy.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.attention.AttentionKernels;
import dev.lumina.engine.model.BatchForward;
import dev.lumina.engine.model.FlagDit;
import dev.lumina.engine.model.FlagDitConfig;
import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.model.ShardedFlagDit;
import dev.lumina.engine.model.TokenLayout;
import dev.lumina.engine.parallel.LocalGroup;
import dev.lumina.engine.parallel.ParallelDegrees;
import dev.lumina.engine.parallel.ShardMesh;
import dev.lumina.engine.parallel.ShardTraffic;
import dev.lumina.engine.pytorch.PyTorch;
import dev.lumina.training.bench.ForwardCase;
import dev.lumina.training.bench.ModelBenchmark;
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
 * this process, and Ulysses over gRPC), each rank's counted bytes against {@link ShardTraffic}, and
 * the cost model of Lumina-T2I 5B on 8 GPUs ({@link CostModel}) with the measured gRPC rate as one
 * of its links.
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
        throw new IllegalArgumentException("reps must be >= 1");
      }
      if (transportMiB < 1 || transportMiB > 256) {
        throw new IllegalArgumentException(
            "transport part must be 1..256 MiB, got " + transportMiB);
      }
    }

    /** d256/h8/L4 at 1056 tokens, three timed forwards, 16 MiB parts ten times. */
    public static Settings defaults() {
      return new Settings(ForwardCase.of(256, 8, 4, 2, 1056), 3, 16, 10);
    }
  }

  /** One layout's row. */
  public record LayoutRow(
      String layout,
      String transport,
      int ranks,
      double ms,
      double speedup,
      double relError,
      long ulyssesPerLayer,
      long ringPerLayer,
      long gather,
      long cfg,
      ShardTraffic formula) {

    /** Whether every counted figure equals the formula. */
    public boolean bytesMatch() {
      return ulyssesPerLayer == formula.ulyssesPerLayer()
          && ringPerLayer == formula.ringPerLayer()
          && gather == formula.gatherPerForward()
          && cfg == formula.cfgPerForward();
    }
  }

  /** A run's figures. */
  public record Report(double grpcMBps, List<LayoutRow> layouts, List<CostModel.Row> paper) {}

  private ParallelBenchmark() {}

  /** The layouts of the layout rows. */
  static final List<ParallelDegrees> LAYOUTS =
      List.of(
          ParallelDegrees.SINGLE,
          new ParallelDegrees(2, 1, 1),
          new ParallelDegrees(1, 2, 1),
          new ParallelDegrees(1, 1, 2),
          new ParallelDegrees(2, 2, 1),
          new ParallelDegrees(1, 2, 2));

  public static Report run(Settings s, PrintStream progress) throws Exception {
    PyTorch.setGradMode(false);
    double rate = transportRate(s.transportMiB(), s.transportReps());
    progress.printf(
        Locale.ROOT,
        "gRPC transport on loopback: %.0f MB/s per rank (%d MiB parts, all-to-all of 2 ranks)%n",
        rate,
        s.transportMiB());
    ForwardCase c = s.forwardCase();
    FlagDitConfig config = c.config();
    List<LayoutRow> rows = new ArrayList<>();
    try (NDManager weights = PyTorch.newManager(PyTorch.defaultDevice())) {
      FlagDit model =
          FlagDit.adopt(
              config,
              ModelBenchmark.denseWeights(config, weights, 42),
              weights,
              AttentionKernels.best(weights.getDevice()));
      Job job = new Job(c);
      float[] reference = null;
      double single = Double.NaN;
      for (ParallelDegrees d : LAYOUTS) {
        LayoutRow row = layout(model, job, d, s.reps(), reference, single, false);
        if (reference == null) {
          reference = job.lastOutput;
          single = row.ms();
        }
        print(progress, row);
        rows.add(row);
      }
      LayoutRow grpc =
          layout(model, job, new ParallelDegrees(1, 2, 1), s.reps(), reference, single, true);
      print(progress, grpc);
      rows.add(grpc);
    }
    return new Report(rate, rows, CostModel.lumina5b(rate * 1e6));
  }

  private static void print(PrintStream out, LayoutRow r) {
    out.printf(
        Locale.ROOT,
        "  %-24s %-6s %d ranks: %8.1f ms (x%.2f), rel err %.1e, bytes/layer %d + %d, gather %d,"
            + " cfg %d: %s%n",
        r.layout(),
        r.transport(),
        r.ranks(),
        r.ms(),
        r.speedup(),
        r.relError(),
        r.ulyssesPerLayer(),
        r.ringPerLayer(),
        r.gather(),
        r.cfg(),
        r.bytesMatch() ? "= formula" : "formula " + r.formula());
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

  private static LayoutRow layout(
      FlagDit model,
      Job job,
      ParallelDegrees d,
      int reps,
      float[] reference,
      double single,
      boolean grpc)
      throws Exception {
    FlagDitConfig config = model.config();
    int forwards = reps + 1;
    List<ShardMesh> meshes = new ArrayList<>();
    List<AutoCloseable> closing = new ArrayList<>();
    if (grpc) {
      meshes.addAll(grpcUlysses(d.ulysses(), closing));
    } else {
      meshes.addAll(LocalGroup.mesh(d, DEADLINE));
    }
    ShardedFlagDit sharded = new ShardedFlagDit(model);
    ExecutorService pool = Executors.newFixedThreadPool(meshes.size());
    double[] ms = new double[reps];
    try {
      List<Future<float[]>> f = new ArrayList<>();
      for (int r = 0; r < meshes.size(); r++) {
        ShardMesh mesh = meshes.get(r);
        boolean lead = r == 0;
        BatchForward forward = d.ranks() == 1 ? model::forward : sharded.on(mesh);
        f.add(
            pool.submit(
                () -> {
                  PyTorch.setGradMode(false);
                  float[] out = null;
                  try (NDManager m = PyTorch.newManager(PyTorch.defaultDevice())) {
                    for (int i = -1; i < reps; i++) {
                      long t0 = System.nanoTime();
                      out = job.forward(forward, m);
                      if (lead && i >= 0) {
                        ms[i] = (System.nanoTime() - t0) / 1e6;
                      }
                    }
                  }
                  return out;
                }));
      }
      float[] out = f.get(0).get(30, TimeUnit.MINUTES);
      for (Future<float[]> other : f) {
        other.get(30, TimeUnit.MINUTES);
      }
      job.lastOutput = out;
      ShardMesh m0 = meshes.get(0);
      int layers = config.nLayers();
      ShardTraffic formula =
          ShardTraffic.of(
              d,
              d.cfg() == 2 ? 1 : 2,
              job.tokens,
              (long) config.nHeads() * config.headDim(),
              (long) config.nKvHeads() * config.headDim(),
              (long) config.patchSize() * config.patchSize() * config.outChannels(),
              job.latentValues,
              4);
      long ulysses = m0.ulysses().bytesSent() / forwards;
      long ring = m0.ring().bytesSent() / forwards;
      long gather = m0.sequence().bytesSent() / forwards;
      long cfg = m0.cfg().bytesSent() / forwards;
      double[] sorted = ms.clone();
      java.util.Arrays.sort(sorted);
      double med = sorted[sorted.length / 2];
      return new LayoutRow(
          d.toString(),
          grpc ? "gRPC" : d.ranks() == 1 ? "-" : "local",
          d.ranks(),
          med,
          Double.isNaN(single) ? 1.0 : single / med,
          reference == null ? 0 : relError(out, reference),
          ulysses / layers,
          ring / layers,
          gather,
          cfg,
          formula);
    } finally {
      pool.shutdownNow();
      for (AutoCloseable c : closing) {
        c.close();
      }
    }
  }

  /** Ulysses meshes whose sequence group runs over gRPC on loopback. */
  private static List<ShardMesh> grpcUlysses(int u, List<AutoCloseable> closing) {
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
      out.add(
          new ShardMesh(
              new ParallelDegrees(1, u, 1), seq, uly, LocalGroup.single(), LocalGroup.single()));
    }
    return out;
  }

  private static double relError(float[] a, float[] ref) {
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < ref.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - ref[i]));
      scale = Math.max(scale, Math.abs(ref[i]));
    }
    return scale == 0 ? diff : diff / scale;
  }

  /** One guided job: the conditional and unconditional rows of one picture. */
  private static final class Job {
    final TokenLayout layout;
    final int tokens;
    final long latentValues;
    final float[] latent;
    final float[] cap;
    final int textTokens;
    final int capDim;
    final int channels;
    float[] lastOutput;

    Job(ForwardCase c) {
      FlagDitConfig config = c.config();
      layout = TokenLayout.image(c.latentSide(), c.latentSide());
      tokens = c.tokens();
      channels = config.inChannels();
      latentValues = layout.latentShape(channels).size();
      java.util.Random r = new java.util.Random(3);
      latent = new float[(int) latentValues];
      for (int i = 0; i < latent.length; i++) {
        latent[i] = (float) r.nextGaussian();
      }
      textTokens = c.textTokens();
      capDim = c.capFeatDim();
      cap = new float[2 * textTokens * capDim];
      for (int i = 0; i < cap.length; i++) {
        cap[i] = (float) r.nextGaussian();
      }
    }

    float[] forward(BatchForward forward, NDManager parent) {
      try (NDManager m = parent.newSubManager()) {
        NDArray x = m.create(latent, layout.latentShape(channels));
        List<NDArray> out =
            forward.forward(
                List.of(x, x),
                List.of(layout, layout),
                m.create(new float[] {0.5f, 0.5f}),
                m.create(cap, new Shape(2, textTokens, capDim)),
                m.ones(new Shape(2, textTokens)),
                ForwardOptions.DEFAULT);
        return out.get(0).toFloatArray();
      }
    }
  }
}

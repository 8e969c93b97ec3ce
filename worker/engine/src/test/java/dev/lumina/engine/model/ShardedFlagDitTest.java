package dev.lumina.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.parallel.Collective;
import dev.lumina.engine.parallel.LocalGroup;
import dev.lumina.engine.parallel.ParallelDegrees;
import dev.lumina.engine.parallel.ShardMesh;
import dev.lumina.engine.pytorch.PyTorch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A shard group's forward against the one-rank forward on the same random weights (every weight
 * non-zero, so the gated text attention counts): ranks are threads of one process, each with its
 * own manager, exchanging through {@link LocalGroup}.
 */
class ShardedFlagDitTest {

  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final FlagDitConfig QK_GQA =
      new FlagDitConfig(
          64,
          2,
          4,
          2,
          true,
          48,
          2,
          4,
          true,
          FlagDitConfig.ffnHidden(64, 32, null),
          1e-5f,
          10000.0,
          64,
          10000.0,
          true);
  private static final FlagDitConfig THREE_HEADS =
      new FlagDitConfig(
          48,
          3,
          3,
          3,
          false,
          40,
          2,
          4,
          false,
          FlagDitConfig.ffnHidden(48, 32, null),
          1e-6f,
          500.0,
          32,
          10000.0,
          false);

  private static NDManager weights;
  private static ExecutorService pool;

  @BeforeAll
  static void start() {
    PyTorch.setGradMode(false);
    weights = PyTorch.newManager(PyTorch.defaultDevice());
    pool = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void stop() {
    pool.shutdownNow();
    weights.close();
  }

  @Test
  void ulyssesOverTwoRanksMatchesOneRankForMixedLayoutsWithGqa() throws Exception {
    FlagDit model = CompiledTrunkTest.randomModel(QK_GQA, weights);
    // 16 and 20 tokens: the shorter row is padded inside the batch.
    Inputs in = new Inputs(QK_GQA, List.of(TokenLayout.image(4, 6), TokenLayout.video(2, 4, 4)));
    List<float[]> alone = in.forwardAlone(model);
    List<List<float[]>> ranks =
        runRanks(
            LocalGroup.create(2, DEADLINE),
            (g, m) -> in.forwardSharded(new ShardedFlagDit(model), g, m));
    for (List<float[]> rank : ranks) {
      assertThat(relativeError(rank, alone)).isLessThan(1e-5);
    }
  }

  @Test
  void aSequenceThatDoesNotDivideIsPaddedAndEveryByteIsCounted() throws Exception {
    FlagDit model = CompiledTrunkTest.randomModel(THREE_HEADS, weights);
    // 2×3 patches + 2 [nextline] = 8 tokens over 3 ranks: padded to 9, 3 per rank.
    Inputs in = new Inputs(THREE_HEADS, List.of(TokenLayout.image(4, 6)));
    List<float[]> alone = in.forwardAlone(model);
    List<Collective> group = LocalGroup.create(3, DEADLINE);
    List<List<float[]>> ranks =
        runRanks(group, (g, m) -> in.forwardSharded(new ShardedFlagDit(model), g, m));
    for (List<float[]> rank : ranks) {
      assertThat(relativeError(rank, alone)).isLessThan(1e-5);
    }
    long b = 1;
    long share = 3;
    int u = 3;
    int hd = THREE_HEADS.headDim();
    int perRankHeads = THREE_HEADS.nHeads() / u;
    int perRankKv = THREE_HEADS.nKvHeads() / u;
    long perLayer = 4 * b * share * hd * (u - 1) * (2L * perRankHeads + 2L * perRankKv);
    int p = THREE_HEADS.patchSize();
    long gather = 4 * b * share * p * p * THREE_HEADS.outChannels() * (u - 1);
    for (Collective rank : group) {
      assertThat(rank.bytesSent()).isEqualTo(THREE_HEADS.nLayers() * perLayer + gather);
    }
  }

  @Test
  void ulyssesTimesRingCountsEachGroupsBytesByItsFormula() throws Exception {
    FlagDit model = CompiledTrunkTest.randomModel(QK_GQA, weights);
    // 3×3 patches + 3 [nextline] = 12 tokens: shares of 3, ring blocks of 6.
    Inputs in = new Inputs(QK_GQA, List.of(TokenLayout.image(6, 6)));
    List<float[]> alone = in.forwardAlone(model);
    List<ShardMesh> meshes = LocalGroup.mesh(new ParallelDegrees(1, 2, 2), Duration.ofSeconds(60));
    ShardedFlagDit sharded = new ShardedFlagDit(model);
    List<Future<List<float[]>>> futures = new ArrayList<>();
    for (ShardMesh mesh : meshes) {
      futures.add(
          pool.submit(
              () -> {
                PyTorch.setGradMode(false);
                try (NDManager m = PyTorch.newManager(PyTorch.defaultDevice())) {
                  NDArray[] r = in.rest(m);
                  return host(
                      sharded.on(mesh).forward(in.latents(m), in.layouts, r[0], r[1], r[2], in.o));
                }
              }));
    }
    for (Future<List<float[]>> f : futures) {
      assertThat(relativeError(f.get(60, TimeUnit.SECONDS), alone)).isLessThan(1e-5);
    }
    long share = 3;
    long block = 6;
    int hd = QK_GQA.headDim();
    long hl = QK_GQA.nHeads() / 2;
    long kl = QK_GQA.nKvHeads() / 2;
    int p = QK_GQA.patchSize();
    int layers = QK_GQA.nLayers();
    for (ShardMesh mesh : meshes) {
      assertThat(mesh.ulysses().bytesSent()).isEqualTo(layers * 4 * share * hd * (2 * hl + 2 * kl));
      assertThat(mesh.ring().bytesSent()).isEqualTo(layers * 4 * 2 * kl * block * hd);
      assertThat(mesh.sequence().bytesSent())
          .isEqualTo(4 * share * p * p * QK_GQA.outChannels() * 3);
      assertThat(mesh.cfg().bytesSent()).isZero();
    }
  }

  @Test
  void cfgParallelTimesUlyssesMatchesOneRankGuidance() throws Exception {
    FlagDit model = CompiledTrunkTest.randomModel(QK_GQA, weights);
    ParallelDegrees degrees = new ParallelDegrees(2, 2);
    Random r = new Random(11);
    int h = 4;
    int w = 6;
    float[] x = gaussian(r, 2 * 4 * h * w);
    float[] cap = gaussian(r, 2 * 5 * QK_GQA.capFeatDim());
    float[] capMask = {1, 1, 1, 1, 1, 1, 1, 0, 0, 0};
    ForwardOptions o = new ForwardOptions(true, 20, 1.5, 1.0);
    Function<NDManager, NDArray[]> inputs =
        m ->
            new NDArray[] {
              m.create(x, new Shape(2, 4, h, w)),
              m.create(new float[] {0.4f, 0.4f}),
              m.create(cap, new Shape(2, 5, QK_GQA.capFeatDim())),
              m.create(capMask, new Shape(2, 5))
            };
    float[] alone;
    try (NDManager m = PyTorch.newManager(PyTorch.defaultDevice())) {
      NDArray[] a = inputs.apply(m);
      alone =
          model.forwardWithCfg(a[0], a[1], a[2], a[3], 3f, Guidance.ALL_CHANNELS, o).toFloatArray();
    }
    List<ShardMesh> meshes = LocalGroup.mesh(degrees, DEADLINE);
    List<Future<float[]>> futures = new ArrayList<>();
    for (ShardMesh mesh : meshes) {
      futures.add(
          pool.submit(
              () -> {
                PyTorch.setGradMode(false);
                try (NDManager m = PyTorch.newManager(PyTorch.defaultDevice())) {
                  NDArray[] a = inputs.apply(m);
                  return new ShardedFlagDit(model)
                      .forwardWithCfg(mesh, a[0], a[1], a[2], a[3], 3f, Guidance.ALL_CHANNELS, o)
                      .toFloatArray();
                }
              }));
    }
    for (Future<float[]> f : futures) {
      assertThat(relativeError(List.of(f.get(60, TimeUnit.SECONDS)), List.of(alone)))
          .isLessThan(1e-5);
    }
    // The CFG exchange is one prediction per rank: B/2 · C · h · w floats.
    long cfgBytes = 4L * 1 * QK_GQA.inChannels() * h * w;
    assertThat(meshes.get(0).cfg().bytesSent()).isEqualTo(cfgBytes);
    assertThat(meshes.get(0).bytesSent()).isGreaterThan(cfgBytes);
  }

  @Test
  void aDegreeThatDoesNotDivideTheHeadsIsRefusedBeforeAnyTraffic() {
    FlagDit model = CompiledTrunkTest.randomModel(QK_GQA, weights);
    List<Collective> group = LocalGroup.create(3, DEADLINE);
    Inputs in = new Inputs(QK_GQA, List.of(TokenLayout.image(4, 4)));
    try (NDManager m = PyTorch.newManager(PyTorch.defaultDevice())) {
      assertThatThrownBy(() -> in.forwardSharded(new ShardedFlagDit(model), group.get(0), m))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("ulysses degree 3")
          .hasMessageContaining("kv heads (2)");
    }
    assertThat(group.get(0).bytesSent()).isZero();
  }

  /** Runs {@code body} on every rank of {@code group}, each in its own thread and manager. */
  private static List<List<float[]>> runRanks(List<Collective> group, RankBody body)
      throws Exception {
    List<Future<List<float[]>>> futures = new ArrayList<>();
    for (Collective g : group) {
      futures.add(
          pool.submit(
              () -> {
                PyTorch.setGradMode(false);
                try (NDManager m = PyTorch.newManager(PyTorch.defaultDevice())) {
                  return body.run(g, m);
                }
              }));
    }
    List<List<float[]>> out = new ArrayList<>();
    for (Future<List<float[]>> f : futures) {
      out.add(f.get(60, TimeUnit.SECONDS));
    }
    return out;
  }

  private interface RankBody {
    List<float[]> run(Collective g, NDManager m);
  }

  /** The same inputs built in any manager from seeded host data. */
  private static final class Inputs {
    final FlagDitConfig c;
    final List<TokenLayout> layouts;
    final List<float[]> latents = new ArrayList<>();
    final float[] t;
    final float[] cap;
    final float[] capMask;
    final int len = 5;
    final ForwardOptions o = new ForwardOptions(true, 20, 1.5, 1.0);

    Inputs(FlagDitConfig c, List<TokenLayout> layouts) {
      this.c = c;
      this.layouts = layouts;
      Random r = new Random(5);
      for (TokenLayout l : layouts) {
        latents.add(gaussian(r, (int) l.latentShape(c.inChannels()).size()));
      }
      int b = layouts.size();
      t = new float[b];
      for (int i = 0; i < b; i++) {
        t[i] = 0.2f + 0.5f * i;
      }
      cap = gaussian(r, b * len * c.capFeatDim());
      capMask = new float[b * len];
      for (int i = 0; i < b; i++) {
        for (int j = 0; j < len - i; j++) {
          capMask[i * len + j] = 1f;
        }
      }
    }

    List<NDArray> latents(NDManager m) {
      List<NDArray> out = new ArrayList<>();
      for (int i = 0; i < layouts.size(); i++) {
        out.add(m.create(latents.get(i), layouts.get(i).latentShape(c.inChannels())));
      }
      return out;
    }

    NDArray[] rest(NDManager m) {
      int b = layouts.size();
      return new NDArray[] {
        m.create(t),
        m.create(cap, new Shape(b, len, c.capFeatDim())),
        m.create(capMask, new Shape(b, len))
      };
    }

    List<float[]> forwardAlone(FlagDit model) {
      try (NDManager m = PyTorch.newManager(PyTorch.defaultDevice())) {
        NDArray[] r = rest(m);
        return host(model.forward(latents(m), layouts, r[0], r[1], r[2], o));
      }
    }

    List<float[]> forwardSharded(ShardedFlagDit sharded, Collective g, NDManager m) {
      NDArray[] r = rest(m);
      return host(sharded.forward(g, latents(m), layouts, r[0], r[1], r[2], o));
    }
  }

  private static List<float[]> host(List<NDArray> arrays) {
    List<float[]> out = new ArrayList<>();
    arrays.forEach(a -> out.add(a.toFloatArray()));
    return out;
  }

  private static float[] gaussian(Random r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  /** max |a − ref| ÷ max |ref| over every output. */
  private static double relativeError(List<float[]> a, List<float[]> ref) {
    assertThat(a).hasSameSizeAs(ref);
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < ref.size(); i++) {
      assertThat(a.get(i)).hasSameSizeAs(ref.get(i));
      for (int j = 0; j < ref.get(i).length; j++) {
        diff = Math.max(diff, Math.abs(a.get(i)[j] - ref.get(i)[j]));
        scale = Math.max(scale, Math.abs(ref.get(i)[j]));
      }
    }
    assertThat(scale).isGreaterThan(0);
    return diff / scale;
  }
}

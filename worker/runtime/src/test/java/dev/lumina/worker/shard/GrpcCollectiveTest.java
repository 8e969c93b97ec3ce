package dev.lumina.worker.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.attention.AttentionKernels;
import dev.lumina.engine.model.FlagDit;
import dev.lumina.engine.model.FlagDitConfig;
import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.model.ShardedFlagDit;
import dev.lumina.engine.model.TokenLayout;
import dev.lumina.engine.parallel.CollectiveException;
import dev.lumina.engine.pytorch.PyTorch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Ranks with their own gRPC servers on loopback, each driven by its own thread. */
class GrpcCollectiveTest {

  private final List<ShardServer> servers = new ArrayList<>();
  private final List<GrpcCollective> ranks = new ArrayList<>();
  private ExecutorService pool;

  @BeforeEach
  void setUp() {
    pool = Executors.newCachedThreadPool();
  }

  @AfterEach
  void tearDown() {
    ranks.forEach(GrpcCollective::close);
    servers.forEach(ShardServer::close);
    pool.shutdownNow();
  }

  private List<GrpcCollective> group(String id, int size, Duration deadline) {
    List<String> addresses = new ArrayList<>();
    List<ShardServer> mine = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      ShardServer s = ShardServer.start("127.0.0.1", 0);
      servers.add(s);
      mine.add(s);
      addresses.add("127.0.0.1:" + s.port());
    }
    List<GrpcCollective> out = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      GrpcCollective c = GrpcCollective.connect(mine.get(r), id, r, addresses, deadline);
      ranks.add(c);
      out.add(c);
    }
    return out;
  }

  private <T> List<T> onEveryRank(List<GrpcCollective> g, RankCall<T> call) throws Exception {
    List<Future<T>> futures = new ArrayList<>();
    for (GrpcCollective c : g) {
      Callable<T> task = () -> call.run(c);
      futures.add(pool.submit(task));
    }
    List<T> out = new ArrayList<>();
    for (Future<T> f : futures) {
      out.add(f.get(120, TimeUnit.SECONDS));
    }
    return out;
  }

  private interface RankCall<T> {
    T run(GrpcCollective c) throws Exception;
  }

  @Test
  void partsLargerThanAFrameArriveWholeAndInOrder() throws Exception {
    List<GrpcCollective> g = group("big", 3, Duration.ofSeconds(60));
    int len = (int) (2.5 * ShardServer.CHUNK);
    List<byte[][]> got =
        onEveryRank(
            g,
            c -> {
              byte[][] parts = new byte[3][];
              for (int j = 0; j < 3; j++) {
                parts[j] = new byte[len];
                for (int i = 0; i < len; i++) {
                  parts[j][i] = (byte) (c.rank() * 31 + j * 7 + i);
                }
              }
              byte[][] first = c.allToAll(parts);
              byte[][] second = c.allGather(new byte[] {(byte) c.rank()});
              c.barrier();
              for (int j = 0; j < 3; j++) {
                assertThat(second[j]).containsExactly(j);
              }
              return first;
            });
    for (int me = 0; me < 3; me++) {
      for (int from = 0; from < 3; from++) {
        byte[] part = got.get(me)[from];
        assertThat(part).hasSize(len);
        for (int i = 0; i < len; i += 4099) {
          assertThat(part[i]).isEqualTo((byte) (from * 31 + me * 7 + i));
        }
      }
    }
    for (GrpcCollective c : g) {
      assertThat(c.bytesSent()).isEqualTo(2L * len + 2);
    }
  }

  @Test
  void aFlagDitForwardOverTheNetworkMatchesOneRank() throws Exception {
    PyTorch.setGradMode(false);
    FlagDitConfig c =
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
    TokenLayout layout = TokenLayout.image(6, 6);
    float[] latent = gaussian(1, (int) layout.latentShape(4).size());
    float[] cap = gaussian(2, 3 * 48);
    ForwardOptions o = new ForwardOptions(true, 20, 1.5, 1.0);
    try (NDManager weights = PyTorch.newManager(PyTorch.defaultDevice())) {
      PyTorch.engine().setRandomSeed(3);
      Map<String, NDArray> params = new LinkedHashMap<>();
      FlagDit.parameterShapes(c)
          .forEach(
              (k, dims) ->
                  params.put(k, weights.randomNormal(0f, 0.3f, new Shape(dims), DataType.FLOAT32)));
      FlagDit model = FlagDit.fromParameters(c, params, AttentionKernels.best(weights.getDevice()));
      float[] alone;
      try (NDManager m = PyTorch.newManager(PyTorch.defaultDevice())) {
        alone =
            model
                .forward(
                    List.of(m.create(latent, layout.latentShape(4))),
                    List.of(layout),
                    m.create(new float[] {0.6f}),
                    m.create(cap, new Shape(1, 3, 48)),
                    m.ones(new Shape(1, 3)),
                    o)
                .get(0)
                .toFloatArray();
      }
      ShardedFlagDit sharded = new ShardedFlagDit(model);
      List<float[]> out =
          onEveryRank(
              group("forward", 2, Duration.ofSeconds(60)),
              g -> {
                PyTorch.setGradMode(false);
                try (NDManager m = PyTorch.newManager(PyTorch.defaultDevice())) {
                  return sharded
                      .forward(
                          g,
                          List.of(m.create(latent, layout.latentShape(4))),
                          List.of(layout),
                          m.create(new float[] {0.6f}),
                          m.create(cap, new Shape(1, 3, 48)),
                          m.ones(new Shape(1, 3)),
                          o)
                      .get(0)
                      .toFloatArray();
                }
              });
      double scale = 0;
      for (float v : alone) {
        scale = Math.max(scale, Math.abs(v));
      }
      for (float[] rank : out) {
        double diff = 0;
        for (int i = 0; i < alone.length; i++) {
          diff = Math.max(diff, Math.abs(rank[i] - alone[i]));
        }
        assertThat(diff).isLessThanOrEqualTo(1e-5 * Math.max(1, scale));
      }
    }
  }

  @Test
  void aPeerThatSendsNothingFailsTheCallAtTheDeadline() {
    List<GrpcCollective> g = group("silent", 2, Duration.ofMillis(500));
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> g.get(0).allGather(new byte[] {1}))
        .isInstanceOf(CollectiveException.class)
        .hasMessageContaining("rank 1 sent nothing");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void aPeerThatLeavesFailsTheWaitingRankBeforeItsDeadline() throws Exception {
    List<GrpcCollective> g = group("leaving", 2, Duration.ofSeconds(120));
    onEveryRank(
        g,
        c -> {
          c.barrier();
          return null;
        });
    g.get(1).close();
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> g.get(0).allGather(new byte[] {1}))
        .isInstanceOf(CollectiveException.class)
        .hasMessageContaining("rank 1 left");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(60));
  }

  private static float[] gaussian(long seed, int n) {
    java.util.Random r = new java.util.Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }
}

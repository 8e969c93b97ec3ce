package dev.lumina.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.checkpoint.Checkpoint;
import dev.lumina.engine.checkpoint.CheckpointFormatException;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.sampling.FlagDitSampler;
import dev.lumina.engine.sampling.SampleResult;
import dev.lumina.engine.sampling.SamplingRequest;
import dev.lumina.engine.sampling.Solver;
import dev.lumina.engine.sampling.StepCallback;
import dev.lumina.proto.TokenBudget;
import dev.lumina.proto.v1.Modality;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineTest {

  @TempDir Path tmp;

  private static final TokenBudget BUDGET = new TokenBudget(8, 2, 25.0);

  @Test
  void tokenCountOfEveryLayoutEqualsTheTokenBudget() {
    assertThat(TokenLayout.forJob(Modality.IMAGE, 1024, 1024, 0, 0, 0, BUDGET).tokenCount(2))
        .isEqualTo(BUDGET.pictureTokens(1024, 1024))
        .isEqualTo(4160);
    assertThat(TokenLayout.forJob(Modality.IMAGE, 512, 2048, 0, 0, 0, BUDGET).tokenCount(2))
        .isEqualTo(BUDGET.tokens(Modality.IMAGE, 512, 2048, 0, 0, 0));
    assertThat(TokenLayout.forJob(Modality.VIDEO, 640, 368, 9, 0, 0, BUDGET).tokenCount(2))
        .isEqualTo(BUDGET.tokens(Modality.VIDEO, 640, 368, 9, 0, 0));
    assertThat(TokenLayout.forJob(Modality.MULTIVIEW, 256, 256, 0, 4, 0, BUDGET).tokenCount(2))
        .isEqualTo(BUDGET.tokens(Modality.MULTIVIEW, 256, 256, 0, 4, 0));
    assertThat(TokenLayout.forJob(Modality.AUDIO, 0, 0, 0, 0, 3.3, BUDGET).tokenCount(1))
        .isEqualTo(BUDGET.audioTokens(3.3));
  }

  @Test
  void patchifyThenUnpatchifyDropsLayoutTokensForEveryLayout() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (TokenLayout l :
          List.of(
              TokenLayout.image(6, 10),
              TokenLayout.video(3, 4, 6),
              TokenLayout.multiview(2, 8, 4),
              TokenLayout.audio(7))) {
        int p = l.kind() == TokenLayout.Kind.AUDIO ? 1 : 2;
        NDArray latent = m.randomNormal(l.latentShape(4));
        NDArray patches = l.patchify(latent, p, 4);
        // identity "embedding" of width C·p², layout tokens filled with a marker value
        NDArray marker = m.full(new Shape(4L * p * p), 99f);
        NDArray seq = l.arrange(patches, marker, marker, p);
        assertThat(seq.getShape().get(0)).isEqualTo(l.tokenCount(p));
        // read back as (py, px, c): reorder each token from (c, py, px)
        NDArray reordered = seq.reshape(-1, 4, p, p).transpose(0, 2, 3, 1).reshape(-1, 4L * p * p);
        NDArray back = l.unpatchify(reordered, p, 4);
        assertThat(back.getShape()).isEqualTo(latent.getShape());
        assertThat(back.toFloatArray()).as(l.toString()).containsExactly(latent.toFloatArray());
      }
    }
  }

  @Test
  void misShapedOrMissingKeysAreNamed() {
    Checkpoint ck = Checkpoint.load(ParityVectors.dir("flag-dit-dev"));
    Map<String, HostTensor> t = new LinkedHashMap<>(ck.tensors());
    t.remove("layers.1.attention.gate");
    t.put("layers.0.ffn_norm.weight", new HostTensor(new long[] {3}, new float[3]));
    assertThatThrownBy(
            () ->
                FlagDit.fromCheckpoint(
                    new Checkpoint(t, ck.metadata()),
                    ai.djl.engine.Engine.getInstance().defaultDevice(),
                    new dev.lumina.engine.attention.NaiveAttention()))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("missing key 'layers.1.attention.gate'")
        .hasMessageContaining("'layers.0.ffn_norm.weight' has shape [3], expected [64]");
  }

  @Test
  void videoNeedsAnEofToken() {
    try (NDManager m = NDManager.newBaseManager()) {
      FlagDit model = FlagDit.initialize(FlagDitConfig.of(32, 1, 2, 8), m, 1);
      TokenLayout v = TokenLayout.video(2, 4, 4);
      assertThatThrownBy(
              () ->
                  model.forward(
                      List.of(m.zeros(v.latentShape(4))),
                      List.of(v),
                      m.zeros(new Shape(1)),
                      m.zeros(new Shape(1, 2, 8)),
                      m.ones(new Shape(1, 2)),
                      ForwardOptions.DEFAULT))
          .hasMessageContaining("eof_token");
    }
  }

  @Test
  void savedModelReloadsWithTheSameConfigAndOutputs() {
    try (NDManager m = NDManager.newBaseManager()) {
      FlagDitConfig cfg =
          new FlagDitConfig(48, 2, 4, 2, true, 12, 2, 3, false, 64, 1e-5f, 10000, 32, 10000, true);
      FlagDit model = FlagDit.initialize(cfg, m, 7);
      model.save(tmp.resolve("m.safetensors"));
      try (FlagDit loaded = FlagDit.load(tmp.resolve("m.safetensors"))) {
        assertThat(loaded.config()).isEqualTo(cfg);
        NDArray x = m.randomNormal(new Shape(2, 3, 4, 6));
        NDArray t = m.create(new float[] {0.2f, 0.7f});
        NDArray cap = m.randomNormal(new Shape(2, 3, 12));
        NDArray mask = m.create(new float[] {1, 1, 0, 1, 0, 0}, new Shape(2, 3));
        assertThat(loaded.forward(x, t, cap, mask, ForwardOptions.DEFAULT).toFloatArray())
            .containsExactly(model.forward(x, t, cap, mask, ForwardOptions.DEFAULT).toFloatArray());
      }
    }
  }

  private static SamplingRequest request(
      NDManager m, TokenLayout l, long seed, NDArray cond, NDArray uncond) {
    return new SamplingRequest(
        l,
        cond,
        null,
        uncond,
        null,
        3f,
        Guidance.FIRST_THREE_CHANNELS,
        Solver.EULER,
        4,
        3f,
        seed,
        ForwardOptions.DEFAULT);
  }

  @Test
  void aJobsSampleDoesNotDependOnItsBatchAndTheManagerDoesNotGrow() {
    try (NDManager weights = NDManager.newBaseManager();
        NDManager m = NDManager.newBaseManager()) {
      FlagDitConfig cfg =
          new FlagDitConfig(32, 2, 2, 2, true, 8, 2, 4, true, 64, 1e-5f, 10000, 32, 10000, true);
      FlagDit model =
          FlagDit.fromParameters(
              cfg, randomised(weights, cfg), new dev.lumina.engine.attention.NaiveAttention());
      NDArray cond = m.randomNormal(new Shape(3, 8));
      NDArray uncond = m.randomNormal(new Shape(2, 8));
      SamplingRequest a = request(m, TokenLayout.image(4, 6), 11, cond, uncond);
      SamplingRequest b = request(m, TokenLayout.video(2, 6, 4), 12, uncond, cond);
      SampleResult alone = FlagDitSampler.sample(model, a, StepCallback.NONE, m);
      int before = m.getManagedArrays().size();
      List<SampleResult> batch =
          FlagDitSampler.sampleBatch(model, List.of(b, a), (s, n, t, x) -> true, m);
      assertThat(batch.get(1).latent().getShape()).isEqualTo(new Shape(4, 4, 6));
      assertThat(batch.get(0).latent().getShape()).isEqualTo(new Shape(2, 4, 6, 4));
      float[] x = alone.latent().toFloatArray();
      float[] y = batch.get(1).latent().toFloatArray();
      for (int i = 0; i < x.length; i++) {
        assertThat(y[i]).isCloseTo(x[i], org.assertj.core.data.Offset.offset(1e-4f));
      }
      batch.forEach(r -> r.latent().close());
      for (int i = 0; i < 5; i++) {
        FlagDitSampler.sample(model, b, StepCallback.NONE, m).latent().close();
      }
      assertThat(m.getManagedArrays().size())
          .as(
              () ->
                  m.getManagedArrays().stream()
                      .map(z -> z.getShape() + "@" + z.getManager().getClass().getSimpleName())
                      .toList()
                      .toString())
          .isEqualTo(before);
    }
  }

  /** Random parameters so that every block contributes (fresh init zeroes the adaLN and gates). */
  static Map<String, NDArray> randomised(NDManager m, FlagDitConfig cfg) {
    Map<String, NDArray> p = new LinkedHashMap<>();
    try (FlagDit init = FlagDit.initialize(cfg, m, 3)) {
      init.parameters()
          .forEach(
              (k, v) -> p.put(k, v.add(m.randomNormal(0f, 0.1f, v.getShape(), v.getDataType()))));
    }
    return p;
  }
}

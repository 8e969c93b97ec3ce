package dev.lumina.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.attention.AttentionKernels;
import dev.lumina.engine.pytorch.PyTorch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The compiled trunk against the per-op path on random weights (every weight non-zero). */
class CompiledTrunkTest {

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
  private static final FlagDitConfig PLAIN =
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

  @Test
  void fp32MatchesThePerOpPathForMixedLayoutsAndGqa() {
    assertAgree(QK_GQA, List.of(TokenLayout.image(4, 6), TokenLayout.video(2, 4, 4)), 1e-4);
    assertAgree(PLAIN, List.of(TokenLayout.image(6, 6), TokenLayout.image(2, 4)), 1e-4);
  }

  @Test
  void fp32MatchesThePerOpPathWithoutPaddingOrMaskedCaptionTokens() {
    // One job with every caption token valid: both attention masks keep every key.
    assertAgree(QK_GQA, List.of(TokenLayout.image(4, 4)), 1e-4);
  }

  @Test
  void fp32MatchesThePerOpPathForAudio() {
    assertAgree(
        FlagDitConfig.audio(32, 2, 2, 24, 6),
        List.of(TokenLayout.audio(7), TokenLayout.audio(4)),
        1e-4);
  }

  @Test
  void bf16StaysNearFp32() {
    double rel = relativeError(QK_GQA, List.of(TokenLayout.image(4, 6)), Precision.BF16);
    assertThat(rel).isGreaterThan(0).isLessThan(5e-2);
  }

  @Test
  void aBf16TrunkOfAnOwnedModelReleasesItsFloat32Weights() {
    PyTorch.setGradMode(false);
    NDManager weights = PyTorch.newManager(PyTorch.defaultDevice());
    Map<String, NDArray> params = new LinkedHashMap<>(randomModel(QK_GQA, weights).parameters());
    try (FlagDit model =
            FlagDit.adopt(QK_GQA, params, weights, AttentionKernels.best(weights.getDevice()));
        NDManager m = PyTorch.newManager(PyTorch.defaultDevice())) {
      long fp32 = model.weightBytes();
      model.useEngine(EngineKind.COMPILED, Precision.BF16);
      assertThat(model.trunkOnly()).isTrue();
      assertThat(model.parameters()).doesNotContainKey("layers.0.attention.wq.weight");
      // Linear weights are almost all of a model: its size is a little over half.
      assertThat((double) model.weightBytes() / fp32).isBetween(0.5, 0.6);
      TokenLayout l = TokenLayout.image(4, 4);
      NDArray out =
          model
              .forward(
                  List.of(m.randomNormal(l.latentShape(4))),
                  List.of(l),
                  m.create(new float[] {0.5f}),
                  m.randomNormal(new Shape(1, 3, QK_GQA.capFeatDim())),
                  m.ones(new Shape(1, 3)),
                  ForwardOptions.DEFAULT)
              .get(0);
      assertThat(out.getShape()).isEqualTo(l.latentShape(4));
      assertThatThrownBy(() -> model.useEngine(EngineKind.COMPILED, Precision.FP32))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("--dtype fp32");
    }
  }

  @Test
  void eagerBf16IsRefusedAndNamesTheFlag() {
    try (NDManager m = PyTorch.newManager(PyTorch.defaultDevice())) {
      FlagDit model = randomModel(PLAIN, m);
      assertThatThrownBy(() -> model.useEngine(EngineKind.EAGER, Precision.BF16))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--engine compiled");
      assertThat(model.engine()).isEqualTo(EngineKind.EAGER);
    }
  }

  @Test
  void flagsParseAndNameTheirValues() {
    assertThat(EngineKind.parse("Compiled")).isEqualTo(EngineKind.COMPILED);
    assertThat(Precision.parse("bf16")).isEqualTo(Precision.BF16);
    assertThatThrownBy(() -> EngineKind.parse("jit")).hasMessageContaining("compiled or eager");
    assertThatThrownBy(() -> Precision.parse("fp16")).hasMessageContaining("fp32 or bf16");
  }

  private static void assertAgree(FlagDitConfig c, List<TokenLayout> layouts, double tol) {
    assertThat(relativeError(c, layouts, Precision.FP32)).isLessThan(tol);
  }

  /** max |compiled − eager| ÷ max |eager| over every output of one batched forward. */
  private static double relativeError(
      FlagDitConfig c, List<TokenLayout> layouts, Precision precision) {
    PyTorch.setGradMode(false);
    try (NDManager m = PyTorch.newManager(PyTorch.defaultDevice())) {
      FlagDit model = randomModel(c, m);
      List<NDArray> latents = new ArrayList<>();
      for (TokenLayout l : layouts) {
        latents.add(m.randomNormal(l.latentShape(c.inChannels())));
      }
      int b = layouts.size();
      NDArray t = m.create(new float[] {0.3f, 0.85f, 0.1f}).get("0:" + b);
      int len = 5;
      NDArray cap = m.randomNormal(new Shape(b, len, c.capFeatDim()));
      float[] mask = new float[b * len];
      for (int i = 0; i < b; i++) {
        for (int j = 0; j < len - i; j++) {
          mask[i * len + j] = 1f;
        }
      }
      NDArray capMask = m.create(mask, new Shape(b, len));
      ForwardOptions o = new ForwardOptions(true, 20, 1.5, 1.0);
      List<NDArray> eager = model.forward(latents, layouts, t, cap, capMask, o);
      model.useEngine(EngineKind.COMPILED, precision);
      assertThat(model.engine()).isEqualTo(EngineKind.COMPILED);
      assertThat(model.precision()).isEqualTo(precision);
      List<NDArray> compiled = model.forward(latents, layouts, t, cap, capMask, o);
      double diff = 0;
      double scale = 0;
      for (int i = 0; i < b; i++) {
        assertThat(compiled.get(i).getShape()).isEqualTo(eager.get(i).getShape());
        diff = Math.max(diff, compiled.get(i).sub(eager.get(i)).abs().max().getFloat());
        scale = Math.max(scale, eager.get(i).abs().max().getFloat());
      }
      model.close();
      assertThat(scale).isGreaterThan(0);
      return diff / scale;
    }
  }

  /** A model whose every parameter is drawn from N(0, 0.3²) (no zero-initialised layer). */
  static FlagDit randomModel(FlagDitConfig c, NDManager m) {
    Map<String, NDArray> params = new LinkedHashMap<>();
    ParameterSpec.initialise(c, 1)
        .forEach(
            (k, h) ->
                params.put(
                    k,
                    m.randomNormal(
                        0f, 0.3f, new Shape(h.shape()), ai.djl.ndarray.types.DataType.FLOAT32)));
    return FlagDit.fromParameters(c, params, AttentionKernels.best(m.getDevice()));
  }
}

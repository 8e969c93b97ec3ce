package dev.lumina.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.attention.NaiveAttention;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model that predicts the clean sample reports the flow velocity derived from it. */
class DataPredictionTest {
  @TempDir Path tmp;

  private static final FlagDitConfig PIXEL =
      new FlagDitConfig(
          32,
          2,
          4,
          4,
          true,
          16,
          2,
          3,
          false,
          FlagDitConfig.ffnHidden(32, 16, null),
          1e-5f,
          10000f,
          256,
          10000,
          true);

  @Test
  void velocityIsThePredictedEndpointMinusTheInputOverTheTimeLeft() {
    try (NDManager m = NDManager.newBaseManager()) {
      // Freshly initialised: the final layer is zero, so the predicted endpoint is 0 and v = -x /
      // (1 - t).
      FlagDit model = FlagDit.initialize(PIXEL, m, 5, new NaiveAttention(), false, true);
      assertThat(model.predictsData()).isTrue();
      NDArray x = m.randomNormal(new Shape(2, 3, 8, 8));
      NDArray t = m.create(new float[] {0.25f, 0.99f});
      NDArray cap = m.randomNormal(new Shape(2, 3, 16));
      NDArray mask = m.ones(new Shape(2, 3));
      NDArray v = model.forward(x, t, cap, mask, ForwardOptions.DEFAULT);
      NDArray expected0 = x.get("0").neg().div(0.75f);
      NDArray expected1 = x.get("1").neg().div(0.05f); // 1 - t is floored at 0.05
      assertThat(v.get("0").sub(expected0).abs().max().getFloat()).isLessThan(1e-5f);
      assertThat(v.get("1").sub(expected1).abs().max().getFloat()).isLessThan(1e-4f);

      model.save(tmp.resolve("m.safetensors"));
      try (FlagDit loaded = FlagDit.load(tmp.resolve("m.safetensors"))) {
        assertThat(loaded.predictsData()).isTrue();
      }
      FlagDit velocity = FlagDit.initialize(PIXEL, m, 5, new NaiveAttention(), false, false);
      assertThat(velocity.forward(x, t, cap, mask, ForwardOptions.DEFAULT).abs().max().getFloat())
          .isEqualTo(0f);
    }
  }
}

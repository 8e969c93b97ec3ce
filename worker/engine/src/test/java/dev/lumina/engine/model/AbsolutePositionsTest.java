package dev.lumina.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.attention.NaiveAttention;
import dev.lumina.engine.checkpoint.CheckpointFormatException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The optional normalised 2-D position embedding of small from-scratch models. */
class AbsolutePositionsTest {
  @TempDir Path tmp;

  /** Pixel space: 3 channels, patch 2, no learn_sigma. */
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
  void theTableEncodesNormalisedCoordinatesSoTheSameCellMatchesAtEveryResolution() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray small = AbsolutePositions.table(m, 1, 4, 4, 32).reshape(4, 4, 32);
      NDArray large = AbsolutePositions.table(m, 1, 8, 8, 32).reshape(8, 8, 32);
      // Row 0 of 4 spans [0, 1/4); rows 0 and 1 of 8 straddle the same centre, so their mean is
      // close.
      NDArray topLeftSmall = small.get("0,0");
      NDArray topLeftLarge = large.get("0,0");
      NDArray bottomRightLarge = large.get("7,7");
      float near = topLeftSmall.sub(topLeftLarge).abs().mean().getFloat();
      float far = topLeftSmall.sub(bottomRightLarge).abs().mean().getFloat();
      assertThat(near).isLessThan(far);
      // Every frame of a video gets the same table.
      NDArray video = AbsolutePositions.table(m, 3, 2, 2, 32).reshape(3, 4, 32);
      assertThat(video.get("0").contentEquals(video.get("2"))).isTrue();
      assertThatThrownBy(() -> AbsolutePositions.table(m, 1, 2, 2, 30))
          .hasMessageContaining("divisible by 4");
    }
  }

  @Test
  void aModelWithTheGainSavesLoadsAndDependsOnWhereThingsAre() {
    try (NDManager m = NDManager.newBaseManager()) {
      FlagDit plain = FlagDit.initialize(PIXEL, m, 3, new NaiveAttention(), false);
      FlagDit withPos = FlagDit.initialize(PIXEL, m, 3, new NaiveAttention(), true);
      assertThat(plain.hasAbsolutePositions()).isFalse();
      assertThat(withPos.hasAbsolutePositions()).isTrue();
      // Non-zero final layer and gates so the input reaches the output.
      Map<String, NDArray> params = new LinkedHashMap<>(EngineTest.randomised(m, PIXEL));
      params.put(AbsolutePositions.KEY, m.ones(new Shape(32)));
      FlagDit model = FlagDit.fromParameters(PIXEL, params, new NaiveAttention());
      Map<String, NDArray> without = new LinkedHashMap<>(params);
      without.remove(AbsolutePositions.KEY);
      FlagDit reference = FlagDit.fromParameters(PIXEL, without, new NaiveAttention());

      NDArray x = m.randomNormal(new Shape(1, 3, 8, 8));
      NDArray t = m.create(new float[] {0.5f});
      NDArray cap = m.randomNormal(new Shape(1, 3, 16));
      NDArray mask = m.ones(new Shape(1, 3));
      NDArray a = model.forward(x, t, cap, mask, ForwardOptions.DEFAULT);
      NDArray b = reference.forward(x, t, cap, mask, ForwardOptions.DEFAULT);
      assertThat(a.sub(b).abs().max().getFloat()).isGreaterThan(1e-4f);

      model.save(tmp.resolve("m.safetensors"));
      try (FlagDit loaded = FlagDit.load(tmp.resolve("m.safetensors"))) {
        assertThat(loaded.hasAbsolutePositions()).isTrue();
        NDArray c =
            loaded.forward(
                x.duplicate(),
                t.duplicate(),
                cap.duplicate(),
                mask.duplicate(),
                ForwardOptions.DEFAULT);
        assertThat(c.toFloatArray()).containsExactly(a.toFloatArray());
      }
    }
  }

  @Test
  void aMisShapedGainIsNamed() {
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> params = new LinkedHashMap<>(EngineTest.randomised(m, PIXEL));
      params.put(AbsolutePositions.KEY, m.ones(new Shape(31)));
      assertThatThrownBy(() -> FlagDit.fromParameters(PIXEL, params, new NaiveAttention()))
          .isInstanceOf(CheckpointFormatException.class)
          .hasMessageContaining(AbsolutePositions.KEY);
    }
  }
}

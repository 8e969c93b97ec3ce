package dev.lumina.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.attention.NaiveAttention;
import dev.lumina.engine.checkpoint.Checkpoint;
import dev.lumina.proto.TokenBudget;
import dev.lumina.proto.v1.Modality;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lumina_music-style audio variant (flag-dit-spec §13). */
class AudioModelTest {

  @TempDir Path tmp;

  /** D 48, 2 layers, 4 heads, Cy 16, 20 mel-VAE channels. */
  private static final FlagDitConfig AUDIO = FlagDitConfig.audio(48, 2, 4, 16, 20);

  @Test
  void releasedMusicConfigHasTheSpecsSizesAndKeyNames() {
    FlagDitConfig music = FlagDitConfig.luminaMusic();
    assertThat(music.condDim()).isEqualTo(768);
    assertThat(music.ffnHiddenDim()).isEqualTo(2048);
    assertThat(music.outChannels()).isEqualTo(20);
    Map<String, long[]> shapes = new LinkedHashMap<>();
    ParameterSpec.params(music).forEach(p -> shapes.put(p.key(), p.shape()));
    assertThat(shapes.get("proj_in.weight")).containsExactly(768, 20);
    assertThat(shapes.get("layers.0.adaLN_modulation.1.weight")).containsExactly(6 * 768, 768);
    assertThat(shapes.get("final_layer.adaLN_modulation.1.weight")).containsExactly(2 * 768, 768);
    assertThat(shapes.get("final_layer.linear.weight")).containsExactly(20, 768);
    assertThat(shapes.get("cap_embedder.1.weight")).containsExactly(768, 1024);
    assertThat(shapes)
        .doesNotContainKeys(
            "x_embedder.weight", "eol_token", "pad_token", "layers.0.attention.q_norm.weight");
    // Image configs keep their keys and the min(D, 1024) conditioning width.
    FlagDitConfig image = FlagDitConfig.of(1536, 1, 32, 64);
    assertThat(image.condDim()).isEqualTo(1024);
    assertThat(ParameterSpec.params(image).stream().map(ParameterSpec.Param::key))
        .contains("x_embedder.weight", "eol_token", "pad_token")
        .doesNotContain("proj_in.weight");
  }

  @Test
  void audioModelSavesLoadsAndRunsOneTokenPerLatentFrame() {
    TokenBudget budget = new TokenBudget(8, 1, 25.0);
    TokenLayout layout = TokenLayout.forJob(Modality.AUDIO, 0, 0, 0, 0, 2.0, budget);
    assertThat(layout.tokenCount(1)).isEqualTo(budget.audioTokens(2.0)).isEqualTo(50);
    try (NDManager m = NDManager.newBaseManager()) {
      FlagDit model =
          FlagDit.fromParameters(AUDIO, EngineTest.randomised(m, AUDIO), new NaiveAttention());
      model.save(tmp.resolve("music.safetensors"));
      Checkpoint ck = Checkpoint.load(tmp.resolve("music.safetensors"));
      assertThat(ck.shapes()).containsKey("proj_in.weight").doesNotContainKey("x_embedder.weight");
      try (FlagDit loaded = FlagDit.load(tmp.resolve("music.safetensors"))) {
        assertThat(loaded.config()).isEqualTo(AUDIO);
        NDArray x = m.randomNormal(new Shape(20, 50));
        NDArray t = m.create(new float[] {0.4567f});
        NDArray cap = m.randomNormal(new Shape(1, 3, 16));
        List<NDArray> v =
            loaded.forward(
                List.of(x),
                List.of(layout),
                t,
                cap,
                m.ones(new Shape(1, 3)),
                ForwardOptions.DEFAULT);
        assertThat(v.get(0).getShape()).isEqualTo(new Shape(20, 50));
        float[] ones = v.get(0).toFloatArray();
        // Every text token is valid for audio: a zero mask entry changes nothing.
        float[] masked =
            loaded
                .forward(
                    List.of(x),
                    List.of(layout),
                    t,
                    cap,
                    m.create(new float[] {1, 0, 0}, new Shape(1, 3)),
                    ForwardOptions.DEFAULT)
                .get(0)
                .toFloatArray();
        assertThat(masked).containsExactly(ones);
        // t is fed as int(t·1000): 0.4567 and 0.4561 both become 456.
        float[] same =
            loaded
                .forward(
                    List.of(x),
                    List.of(layout),
                    m.create(new float[] {0.4561f}),
                    cap,
                    m.ones(new Shape(1, 3)),
                    ForwardOptions.DEFAULT)
                .get(0)
                .toFloatArray();
        assertThat(same).containsExactly(ones);
        float[] other =
            loaded
                .forward(
                    List.of(x),
                    List.of(layout),
                    m.create(new float[] {0.4571f}),
                    cap,
                    m.ones(new Shape(1, 3)),
                    ForwardOptions.DEFAULT)
                .get(0)
                .toFloatArray();
        assertThat(other).isNotEqualTo(ones);
        // Batched with a shorter clip (zero pads): each clip's velocity is unchanged.
        TokenLayout shorter = TokenLayout.audio(30);
        List<NDArray> both =
            loaded.forward(
                List.of(x, m.randomNormal(new Shape(20, 30))),
                List.of(layout, shorter),
                m.create(new float[] {0.4567f, 0.9f}),
                cap.concat(m.randomNormal(new Shape(1, 3, 16)), 0),
                m.ones(new Shape(2, 3)),
                ForwardOptions.DEFAULT);
        assertThat(both.get(1).getShape()).isEqualTo(new Shape(20, 30));
        float[] first = both.get(0).toFloatArray();
        for (int i = 0; i < ones.length; i++) {
          assertThat(first[i]).isCloseTo(ones[i], org.assertj.core.data.Offset.offset(1e-4f));
        }
      }
    }
  }
}

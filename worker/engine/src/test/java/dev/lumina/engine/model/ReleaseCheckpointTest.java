package dev.lumina.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.engine.attention.NaiveAttention;
import dev.lumina.engine.checkpoint.Checkpoint;
import dev.lumina.engine.pytorch.PyTorch;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The Flag-DiT of a release folder loads tensor by tensor to the same model as the whole-file path.
 */
class ReleaseCheckpointTest {

  @Test
  void theReleaseTransformerFolderLoadsWithItsShapesAndTheSameWeights() throws Exception {
    Path transformer =
        Path.of(getClass().getResource("/parity/lumina-t2i-bundle-dev/README.md").toURI())
            .getParent()
            .resolve("transformer");
    assertThat(Checkpoint.singleFile(transformer))
        .contains(transformer.resolve("consolidated.00-of-01.safetensors"));
    try (FlagDit streamed =
            FlagDit.load(transformer, PyTorch.defaultDevice(), new NaiveAttention());
        FlagDit whole =
            FlagDit.fromCheckpoint(
                Checkpoint.load(transformer.resolve("consolidated.00-of-01.safetensors")),
                PyTorch.defaultDevice(),
                new NaiveAttention())) {
      FlagDitConfig c = streamed.config();
      assertThat(c.dim()).isEqualTo(64);
      assertThat(c.nLayers()).isEqualTo(2);
      assertThat(c.nHeads()).isEqualTo(4);
      assertThat(c.inChannels()).isEqualTo(4);
      assertThat(c.patchSize()).isEqualTo(2);
      assertThat(c.learnSigma()).isTrue();
      assertThat(c.qkNorm()).isTrue();
      assertThat(c.capFeatDim()).isEqualTo(64);
      assertThat(c).isEqualTo(whole.config());
      assertThat(streamed.parameters().keySet()).isEqualTo(whole.parameters().keySet());
      for (String k : whole.parameters().keySet()) {
        assertThat(streamed.parameters().get(k).contentEquals(whole.parameters().get(k)))
            .as(k)
            .isTrue();
      }
    }
  }
}

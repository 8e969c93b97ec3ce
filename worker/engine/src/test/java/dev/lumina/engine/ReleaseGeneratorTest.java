package dev.lumina.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.model.Guidance;
import dev.lumina.engine.model.TokenLayout;
import dev.lumina.engine.sampling.Solver;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The generator over a release-layout latent model: describes it, decodes to pixels, caches
 * captions.
 */
class ReleaseGeneratorTest {

  @Test
  void aLatentModelGeneratesDecodedPixelsAndReusesItsCaptionFeatures() throws Exception {
    Path bundle =
        Path.of(getClass().getResource("/parity/lumina-t2i-bundle-dev/outputs.safetensors").toURI())
            .getParent();
    try (Generator g = Generator.load(bundle)) {
      ModelDescription d = g.describe();
      assertThat(d.downsample()).isEqualTo(8);
      assertThat(d.trainSide()).hasValue(64);
      assertThat(d.architecture()).contains("DiT_Llama_tiny_dev_patch2");
      assertThat(g.decodesLatents()).isTrue();
      Generation job =
          new Generation(
              TokenLayout.image(8, 12),
              "A red cat sitting on a wooden chair.",
              "",
              4f,
              Guidance.FIRST_THREE_CHANNELS,
              Solver.EULER,
              4,
              4f,
              7,
              ForwardOptions.DEFAULT);
      Generated first = g.generate(List.of(job), StepListener.NONE).get(0);
      assertThat(first.completed()).isTrue();
      assertThat(first.frames()).hasSize(1);
      assertThat(first.frames().get(0)).hasSize(3 * 64 * 96);
      assertThat(g.captionCacheHits()).isZero();
      assertThat(g.captionCacheBytes()).isPositive();
      Generated second = g.generate(List.of(job), StepListener.NONE).get(0);
      assertThat(g.captionCacheHits()).isEqualTo(1);
      assertThat(second.frames().get(0)).isEqualTo(first.frames().get(0));
      assertThat(second.timings().sampleMs()).isGreaterThanOrEqualTo(0);
    }
  }
}

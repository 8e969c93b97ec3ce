package dev.lumina.engine.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.model.FlagDit;
import dev.lumina.engine.model.FlagDitConfig;
import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.model.Guidance;
import dev.lumina.engine.model.TokenLayout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A job stopped after k steps and continued from its latent there ends bit for bit where the
 * uninterrupted run ends, for every solver: a checkpoint needs nothing but (step, x).
 */
class ResumeTest {

  @ParameterizedTest
  @EnumSource(Solver.class)
  void continuingFromAMidRunStateIsBitIdenticalToTheUninterruptedRun(Solver solver) {
    try (NDManager weights = NDManager.newBaseManager();
        NDManager m = NDManager.newBaseManager()) {
      FlagDitConfig cfg =
          new FlagDitConfig(32, 2, 2, 2, true, 8, 2, 4, true, 64, 1e-5f, 10000, 32, 10000, true);
      FlagDit model = FlagDit.initialize(cfg, weights, 5);
      SamplingRequest r =
          new SamplingRequest(
              TokenLayout.image(4, 6),
              m.randomNormal(new Shape(3, 8)),
              null,
              m.randomNormal(new Shape(2, 8)),
              null,
              3f,
              Guidance.FIRST_THREE_CHANNELS,
              solver,
              7,
              3f,
              42,
              ForwardOptions.DEFAULT);
      int stopAt = 3;
      float[][] atStop = new float[1][];
      SampleResult whole =
          FlagDitSampler.sample(
              model,
              r,
              (step, total, t, x) -> {
                if (step == stopAt) {
                  atStop[0] = x.toFloatArray();
                }
                return true;
              },
              m);
      int[] firstStep = {-1};
      SampleResult resumed =
          FlagDitSampler.resume(
              model,
              r,
              new SamplerState(stopAt, atStop[0]),
              (step, total, t, xs) -> {
                if (firstStep[0] < 0) {
                  firstStep[0] = step;
                }
                return true;
              },
              m);
      assertThat(firstStep[0]).as("the first step the resumed run reports").isEqualTo(stopAt + 1);
      assertThat(resumed.stepsDone()).isEqualTo(whole.stepsDone()).isEqualTo(6);
      assertThat(resumed.completed()).isTrue();
      assertThat(resumed.latent().toFloatArray())
          .as("bit-identical final latent (%s)", solver)
          .containsExactly(whole.latent().toFloatArray());
      assertThatThrownBy(
              () ->
                  FlagDitSampler.resume(
                      model, r, new SamplerState(2, new float[5]), (s, n, t, x) -> true, m))
          .hasMessageContaining("sampler state has 5 values");
      model.close();
    }
  }
}

package dev.lumina.engine.model;

import static dev.lumina.engine.model.ParityVectors.array;
import static dev.lumina.engine.model.ParityVectors.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.lumina.engine.attention.NaiveAttention;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.sampling.OdeIntegrator;
import dev.lumina.engine.sampling.OdeResult;
import dev.lumina.engine.sampling.Solver;
import dev.lumina.engine.sampling.StepCallback;
import dev.lumina.engine.sampling.TimeGrid;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SamplerParityTest {

  @Test
  void timeGridEqualsTheReferenceFloat32Grid() {
    Path dir = ParityVectors.dir("flag-dit-dev");
    HostTensor ref = ParityVectors.read(dir.resolve("outputs.safetensors")).get("sample_t_grid");
    assertThat(TimeGrid.shifted(6, 4f)).containsExactly(ref.data());
  }

  @Test
  void eulerAndMidpointTrajectoriesMatchTheReference() {
    Path dir = ParityVectors.dir("flag-dit-dev");
    Map<String, HostTensor> in = ParityVectors.read(dir.resolve("inputs.safetensors"));
    Map<String, HostTensor> out = ParityVectors.read(dir.resolve("outputs.safetensors"));
    try (FlagDit model =
            FlagDit.load(dir, Engine.getInstance().defaultDevice(), new NaiveAttention());
        NDManager m = NDManager.newBaseManager(model.device())) {
      NDArray cap = array(m, in.get("cap_feats"));
      NDArray mask = array(m, in.get("cap_mask"));
      NDArray z = array(m, in.get("z"));
      for (String name : new String[] {"euler", "midpoint"}) {
        OdeResult r =
            OdeIntegrator.of(Solver.valueOf(name.toUpperCase(java.util.Locale.ROOT)))
                .integrate(
                    (x, t) ->
                        model.forwardWithCfg(
                            x,
                            x.getManager().full(new ai.djl.ndarray.types.Shape(2), t),
                            cap,
                            mask,
                            4f,
                            Guidance.FIRST_THREE_CHANNELS,
                            ForwardOptions.DEFAULT),
                    z,
                    TimeGrid.shifted(6, 4f),
                    StepCallback.NONE,
                    true);
        assertThat(r.completed()).isTrue();
        assertClose("sample_" + name, r.last(), out.get("sample_" + name));
        assertClose(
            "sample_" + name + "_trajectory",
            NDArrays.stack(new NDList(r.trajectory())),
            out.get("sample_" + name + "_trajectory"));
      }
    }
  }
}

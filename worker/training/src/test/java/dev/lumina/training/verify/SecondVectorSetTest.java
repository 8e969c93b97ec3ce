package dev.lumina.training.verify;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.attention.NaiveAttention;
import dev.lumina.engine.checkpoint.SafetensorsWriter;
import dev.lumina.engine.model.*;
import dev.lumina.engine.pytorch.PyTorch;
import dev.lumina.engine.sampling.OdeIntegrator;
import dev.lumina.engine.sampling.OdeResult;
import dev.lumina.engine.sampling.Solver;
import dev.lumina.engine.sampling.StepCallback;
import dev.lumina.engine.sampling.TimeGrid;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ModelVerifier} on a second vector set, different from flag-dit-dev in every size and with
 * every extrapolation option on, written in the flag-dit-dev file layout (JSON-encoded {@code
 * __metadata__} values): it passes as written and fails, naming the tensor, once one output is
 * perturbed. Unknown tensor names are skipped.
 */
class SecondVectorSetTest {

  @TempDir Path dir;

  /** D 48, 3 heads (Dh 16), GQA-free, Cy 20, FFN rule with multiple 32 and multiplier 1.5 (192). */
  private static final FlagDitConfig CONFIG =
      new FlagDitConfig(
          48,
          2,
          3,
          3,
          true,
          20,
          2,
          4,
          true,
          FlagDitConfig.ffnHidden(48, 32, 1.5),
          1e-5f,
          10000.0,
          256,
          10000.0,
          false);

  private static final ForwardOptions OPTS = new ForwardOptions(true, 30, 2.5, 1.0);
  private static final float CFG = 3.5f;
  private static final int STEPS = 4;
  private static final float SHIFT = 3f;

  @Test
  void verifierPassesTheSetAndFailsNamingAPerturbedTensor() throws Exception {
    Map<String, NDArray> outputs = new LinkedHashMap<>();
    try (NDManager m = NDManager.newBaseManager()) {
      PyTorch.setGradMode(false);
      Engine.getInstance().setRandomSeed(21);
      FlagDit model = FlagDit.fromParameters(CONFIG, randomised(m, CONFIG), new NaiveAttention());
      assertThat(CONFIG.ffnHiddenDim()).isEqualTo(192);
      model.save(dir.resolve("model.safetensors"));
      NDArray x = m.randomNormal(new Shape(2, 4, 8, 12));
      NDArray t = m.create(new float[] {0.15f, 0.65f});
      NDArray cap = m.randomNormal(new Shape(2, 6, 20));
      NDArray mask = m.create(new float[] {1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1}, new Shape(2, 6));
      NDArray tCfg = m.full(new Shape(2), 0.4f);
      NDArray z0 = m.randomNormal(new Shape(1, 4, 8, 12));
      NDArray z = z0.concat(z0, 0);
      Map<String, NDArray> inputs = new LinkedHashMap<>();
      inputs.put("x", x);
      inputs.put("t", t);
      inputs.put("cap_feats", cap);
      inputs.put("cap_mask", mask);
      inputs.put("t_cfg", tCfg);
      inputs.put("z", z);
      SafetensorsWriter.writeArrays(
          dir.resolve("inputs.safetensors"), inputs, Map.of("set", "\"second\""));

      Map<String, NDArray> trace = new HashMap<>();
      outputs.put("forward", model.forwardTraced(x, t, cap, mask, OPTS, trace));
      for (String k :
          new String[] {
            "dbg.tokens_in",
            "dbg.adaln_input",
            "dbg.freqs_cis",
            "dbg.layer1.attention_out",
            "dbg.final_layer_out"
          }) {
        outputs.put(k, trace.get(k));
      }
      outputs.put("forward_full", model.forwardFull(x, t, cap, mask, OPTS));
      outputs.put("forward_default_opts", model.forward(x, t, cap, mask, ForwardOptions.DEFAULT));
      outputs.put(
          "forward_with_cfg",
          model.forwardWithCfg(x, tCfg, cap, mask, CFG, Guidance.FIRST_THREE_CHANNELS, OPTS));
      OdeResult r =
          OdeIntegrator.of(Solver.EULER)
              .integrate(
                  (xs, ts) ->
                      model.forwardWithCfg(
                          xs,
                          xs.getManager().full(new Shape(2), ts),
                          cap,
                          mask,
                          CFG,
                          Guidance.FIRST_THREE_CHANNELS,
                          OPTS),
                  z,
                  TimeGrid.shifted(STEPS, SHIFT),
                  StepCallback.NONE,
                  true);
      outputs.put("sample_euler", r.last());
      outputs.put("sample_euler_trajectory", NDArrays.stack(new NDList(r.trajectory())));
      outputs.put("sample_t_grid", m.create(TimeGrid.shifted(STEPS, SHIFT)));
      outputs.put("reference_only.unknown", m.ones(new Shape(3)));
      // The default-options forward must differ, or the options in the metadata would go unchecked.
      assertThat(
              outputs
                  .get("forward")
                  .sub(outputs.get("forward_default_opts"))
                  .abs()
                  .max()
                  .getFloat())
          .isGreaterThan(1e-3f);
      Map<String, String> md = new LinkedHashMap<>();
      md.put("proportional_attn", "true");
      md.put("base_seqlen", "30");
      md.put("ntk_factor", "2.5");
      md.put("rope_scaling_factor", "1.0");
      md.put("cfg_scale", "3.5");
      md.put("solver_num_steps", "" + STEPS);
      md.put("time_shifting_factor", "3.0");
      md.put("note", "\"generated by the engine\"");
      SafetensorsWriter.writeArrays(dir.resolve("outputs.safetensors"), outputs, md);

      Run pass = verify();
      assertThat(pass.rc()).as(pass.text()).isZero();
      assertThat(pass.text())
          .contains("12 compared, 0 failed")
          .doesNotContain("FAIL")
          .containsPattern("reference_only\\.unknown\\s+skipped \\(unknown name\\)");

      outputs.put("forward_default_opts", outputs.get("forward_default_opts").add(1e-2f));
      SafetensorsWriter.writeArrays(dir.resolve("outputs.safetensors"), outputs, md);
    }
    Run fail = verify();
    assertThat(fail.rc()).as(fail.text()).isEqualTo(1);
    assertThat(fail.text())
        .containsPattern("forward_default_opts\\s+max\\|err\\| 1\\.000e-02.*FAIL")
        .contains("12 compared, 1 failed");
    assertThat(fail.text().lines().filter(l -> l.endsWith("FAIL")).count()).isEqualTo(1);
    assertThat(Files.size(dir.resolve("outputs.safetensors"))).isPositive();
  }

  private record Run(int rc, String text) {}

  private Run verify() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int rc = new ModelVerifier().verify(dir, new PrintStream(buf, true, StandardCharsets.UTF_8));
    return new Run(rc, buf.toString(StandardCharsets.UTF_8));
  }

  /**
   * Every parameter of a fresh init plus N(0, 0.1) noise, so zero-initialised layers matter too.
   */
  private static Map<String, NDArray> randomised(NDManager m, FlagDitConfig cfg) {
    Map<String, NDArray> p = new LinkedHashMap<>();
    try (FlagDit init = FlagDit.initialize(cfg, m, 3)) {
      init.parameters()
          .forEach(
              (k, v) -> p.put(k, v.add(m.randomNormal(0f, 0.1f, v.getShape(), v.getDataType()))));
    }
    return p;
  }
}

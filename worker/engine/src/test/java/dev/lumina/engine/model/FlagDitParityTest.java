package dev.lumina.engine.model;

import static dev.lumina.engine.model.ParityVectors.array;
import static dev.lumina.engine.model.ParityVectors.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.lumina.engine.attention.NaiveAttention;
import dev.lumina.engine.checkpoint.HostTensor;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FlagDitParityTest {

  private static FlagDit model;
  private static Map<String, HostTensor> in;
  private static Map<String, HostTensor> out;
  private static NDManager manager;

  @BeforeAll
  static void load() {
    Path dir = ParityVectors.dir("flag-dit-dev");
    model = FlagDit.load(dir, Engine.getInstance().defaultDevice(), new NaiveAttention());
    in = ParityVectors.read(dir.resolve("inputs.safetensors"));
    out = ParityVectors.read(dir.resolve("outputs.safetensors"));
    manager = NDManager.newBaseManager(model.device());
  }

  @AfterAll
  static void close() {
    manager.close();
    model.close();
  }

  @Test
  void forwardAndEveryTraceTensorMatchTheReference() {
    Map<String, NDArray> trace = new HashMap<>();
    NDArray v =
        model.forwardTraced(
            array(manager, in.get("x")),
            array(manager, in.get("t")),
            array(manager, in.get("cap_feats")),
            array(manager, in.get("cap_mask")),
            ForwardOptions.DEFAULT,
            trace);
    assertClose("forward", v, out.get("forward"));
    int compared = 0;
    for (Map.Entry<String, HostTensor> e : out.entrySet()) {
      if (e.getKey().startsWith("dbg.")) {
        assertThat(trace).as("trace holds " + e.getKey()).containsKey(e.getKey());
        assertClose(e.getKey(), trace.get(e.getKey()), e.getValue());
        compared++;
      }
    }
    assertThat(compared).isEqualTo(11);
  }

  @Test
  void forwardFullKeepsTheSigmaChannels() {
    NDArray v =
        model.forwardFull(
            array(manager, in.get("x")),
            array(manager, in.get("t")),
            array(manager, in.get("cap_feats")),
            array(manager, in.get("cap_mask")),
            ForwardOptions.DEFAULT);
    assertClose("forward_full", v, out.get("forward_full"));
  }

  @Test
  void forwardWithCfgGuidesOnlyTheFirstThreeChannels() {
    NDArray v =
        model.forwardWithCfg(
            array(manager, in.get("x")),
            array(manager, in.get("t_cfg")),
            array(manager, in.get("cap_feats")),
            array(manager, in.get("cap_mask")),
            4.0f,
            Guidance.FIRST_THREE_CHANNELS,
            ForwardOptions.DEFAULT);
    assertClose("forward_with_cfg", v, out.get("forward_with_cfg"));
  }
}

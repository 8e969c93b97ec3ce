package dev.lumina.engine.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.pytorch.PyTorch;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link LlamaTextEncoder} against HF transformers' {@code LlamaModel} on the dev vectors. */
class LlamaTextEncoderTest {

  private static NDManager manager;
  private static LlamaTextEncoder encoder;
  private static List<String> prompts;
  private static Map<String, HostTensor> ref;

  @BeforeAll
  static void load() throws Exception {
    PyTorch.setGradMode(false);
    manager = NDManager.newBaseManager();
    encoder = LlamaTextEncoder.load(HfFolders.set().resolve("text_encoder"), manager);
    prompts = HfFolders.prompts(HfFolders.read(HfFolders.set().resolve("inputs.safetensors")));
    ref = HfFolders.read(HfFolders.set().resolve("outputs.safetensors"));
  }

  @AfterAll
  static void close() {
    encoder.close();
    manager.close();
  }

  @Test
  void readsTheGeometryFromConfigJson() {
    assertThat(encoder.config())
        .isEqualTo(new LlamaConfig(656, 64, 2, 4, 4, 16, 172, 1e-5, 10000.0, 4096));
    assertThat(encoder.featureDim()).isEqualTo(64);
    assertThat(encoder.maxTokens()).isEqualTo(4096);
  }

  @Test
  void encodeMatchesLastHiddenStateAndMask() {
    try (NDManager m = manager.newSubManager();
        EncodedText out = encoder.encode(prompts, m)) {
      HostTensor expected = ref.get("last_hidden_state");
      assertThat(HfFolders.maxError(out.features(), expected))
          .isLessThanOrEqualTo(HfFolders.tolerance(expected));
      assertThat(out.mask().toFloatArray()).containsExactly(ref.get("cap_mask").data());
    }
  }

  @Test
  void secondToLastHiddenStateMatches() {
    try (NDManager m = manager.newSubManager();
        EncodedText out = encoder.encodeHiddenState(prompts, -2, m)) {
      HostTensor expected = ref.get("hidden_states_m2");
      assertThat(HfFolders.maxError(out.features(), expected))
          .isLessThanOrEqualTo(HfFolders.tolerance(expected));
    }
  }

  @Test
  void everyHiddenStateMatchesTheReference() {
    try (NDManager m = manager.newSubManager()) {
      NDList states = encoder.hiddenStates(encoder.tokenize(prompts), m);
      assertThat(states).hasSize(3);
      Map<Integer, String> names =
          Map.of(0, "dbg.hidden_states.0", 1, "hidden_states_m2", 2, "last_hidden_state");
      names.forEach(
          (i, name) ->
              assertThat(HfFolders.maxError(states.get(i), ref.get(name)))
                  .as(name)
                  .isLessThanOrEqualTo(HfFolders.tolerance(ref.get(name))));
      assertThat(states.get(0).getManager()).isSameAs(m);
    }
  }

  @Test
  void ropeTablesMatch() {
    try (NDManager m = manager.newSubManager()) {
      for (String kind : List.of("cos", "sin")) {
        HostTensor expected = ref.get("dbg.rope_" + kind);
        HostTensor t = kind.equals("cos") ? encoder.ropeCos(41) : encoder.ropeSin(41);
        NDArray actual = m.create(t.data(), new Shape(t.shape()));
        assertThat(HfFolders.maxError(actual, expected)).as(kind).isLessThanOrEqualTo(1e-6);
      }
    }
  }

  @Test
  void paddingDoesNotChangeRealTokens() {
    try (NDManager m = manager.newSubManager();
        EncodedText alone = encoder.encode(List.of(prompts.get(1)), m);
        EncodedText batched = encoder.encode(prompts, m)) {
      int n = alone.tokens();
      float[] a = alone.features().toFloatArray();
      float[] b = batched.features().get("1, :" + n).toFloatArray();
      for (int i = 0; i < a.length; i++) {
        assertThat(b[i]).isCloseTo(a[i], org.assertj.core.data.Offset.offset(1e-5f));
      }
      // Padded positions of the short rows carry features (no attention mask, as the reference).
      assertThat(batched.features().get("0, 2:").abs().sum().getFloat()).isPositive();
    }
  }

  @Test
  void rejectsOutOfRangeHiddenStateIndex() {
    TokenBatch batch = encoder.tokenize(List.of("a cat"));
    assertThatThrownBy(() -> encoder.hiddenState(batch, 3, manager))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> encoder.hiddenState(batch, -4, manager))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

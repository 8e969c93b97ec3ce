package dev.lumina.engine.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.engine.checkpoint.HostTensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link HfTokenizer} against the ids and masks HF transformers produced for the dev prompts. */
class HfTokenizerTest {

  private static HfTokenizer tokenizer;
  private static Map<String, HostTensor> inputs;
  private static Map<String, HostTensor> outputs;

  @BeforeAll
  static void load() throws Exception {
    tokenizer = HfTokenizer.load(HfFolders.set().resolve("text_encoder"));
    inputs = HfFolders.read(HfFolders.set().resolve("inputs.safetensors"));
    outputs = HfFolders.read(HfFolders.set().resolve("outputs.safetensors"));
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  @Test
  void decodesThePromptsOfTheSet() {
    assertThat(HfFolders.prompts(inputs))
        .containsExactly(
            "",
            "A red cat sitting on a wooden chair.",
            "3 apples, 2 pears & 1 banana: 100% fresh (4k, f/8)!",
            "Ein Café in München — 猫と犬 🐱");
  }

  @Test
  void idsMaskAndLengthsEqualTheReference() {
    TokenBatch batch = tokenizer.batch(HfFolders.prompts(inputs), 4096);
    HostTensor ids = outputs.get("input_ids");
    HostTensor mask = outputs.get("cap_mask");
    HostTensor lens = outputs.get("seq_lens");
    assertThat(new long[] {batch.batch(), batch.length()}).containsExactly(ids.shape());
    long[] expected = new long[ids.data().length];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = (long) ids.data()[i];
    }
    assertThat(batch.ids()).containsExactly(expected);
    assertThat(batch.mask()).containsExactly(mask.data());
    for (int i = 0; i < batch.batch(); i++) {
      assertThat(batch.lengths()[i]).as("row " + i).isEqualTo((int) lens.data()[i]);
    }
  }

  @Test
  void everySequenceHasBosAndEos() {
    assertThat(tokenizer.bosId()).isEqualTo(1);
    assertThat(tokenizer.eosId()).isEqualTo(2);
    assertThat(tokenizer.encode("")).containsExactly(1, 2);
    int[] ids = tokenizer.encode("A red cat");
    assertThat(ids[0]).isEqualTo(1);
    assertThat(ids[ids.length - 1]).isEqualTo(2);
    assertThat(ids).hasSizeGreaterThan(3);
  }

  @Test
  void truncatesToMaxTokensKeepingEos() {
    String prompt = "A red cat sitting on a wooden chair.";
    int[] full = tokenizer.encode(prompt);
    TokenBatch batch = tokenizer.batch(List.of(prompt, ""), 4);
    assertThat(batch.length()).isEqualTo(4);
    assertThat(batch.ids()).containsExactly(full[0], full[1], full[2], 2, 1, 2, 0, 0);
    assertThat(batch.mask()).containsExactly(1, 1, 1, 1, 1, 1, 0, 0);
    assertThatThrownBy(() -> tokenizer.batch(List.of(), 4))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

package dev.lumina.engine.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmallTextEncoderTest {

  private NDManager manager;
  private SmallTextEncoder encoder;

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
    Tokenizer tokenizer =
        Tokenizer.fromCorpus(List.of("a small red circle in the top left corner"), 16);
    encoder =
        SmallTextEncoder.initialize(
            new TextEncoderConfig(tokenizer.vocabularySize(), 16, 32, 2, 4), tokenizer, manager, 7);
  }

  @AfterEach
  void tearDown() {
    encoder.close();
    manager.close();
  }

  @Test
  void encodesPaddedBatchWithMask() {
    try (EncodedText out =
        encoder.encode(
            List.of("a red circle", "", "a small red circle in the top left corner"), manager)) {
      assertThat(out.features().getShape().getShape()).containsExactly(3, 10, 32);
      assertThat(out.mask().toFloatArray())
          .containsExactly(
              1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1,
              1);
      NDArray padded = out.features().get(new NDIndex("0, 4:"));
      assertThat(padded.abs().sum().getFloat()).isZero();
      assertThat(out.features().get(new NDIndex("0, :4")).abs().sum().getFloat()).isPositive();
    }
  }

  @Test
  void paddingDoesNotChangeValidTokens() {
    try (EncodedText alone = encoder.encode(List.of("a red circle"), manager);
        EncodedText batched =
            encoder.encode(
                List.of("a red circle", "a small red circle in the top left corner"), manager)) {
      float[] a = alone.features().toFloatArray();
      float[] b = batched.features().get(new NDIndex("0, :4")).toFloatArray();
      assertThat(b).containsExactly(a, org.assertj.core.data.Offset.offset(1e-5f));
    }
  }

  @Test
  void saveThenLoadGivesSameFeatures(@TempDir Path dir) throws Exception {
    encoder.save(dir);
    try (TextEncoder loaded = TextEncoders.load(dir, manager);
        EncodedText a = encoder.encode(List.of("top left: a red disc"), manager);
        EncodedText b = loaded.encode(List.of("top left: a red disc"), manager)) {
      assertThat(loaded.featureDim()).isEqualTo(32);
      assertThat(b.features().toFloatArray()).containsExactly(a.features().toFloatArray());
    }
  }

  @Test
  void rejectsEmptyBatch() {
    assertThatThrownBy(() -> encoder.encode(List.of(), manager))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prompts");
  }
}

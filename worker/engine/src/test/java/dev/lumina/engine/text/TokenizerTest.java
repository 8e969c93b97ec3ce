package dev.lumina.engine.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {

  private final Tokenizer tokenizer =
      Tokenizer.fromCorpus(List.of("a red circle", "top-left: a small red disc"), 6);

  @Test
  void splitsOnPunctuationAndStartsWithBos() {
    int[] ids = tokenizer.encode("Top-left: a RED disc");
    assertThat(ids).hasSize(6);
    assertThat(ids[0]).isEqualTo(Tokenizer.BOS);
    assertThat(tokenizer.token(ids[1])).isEqualTo("top");
    assertThat(tokenizer.token(ids[2])).isEqualTo("left");
    assertThat(tokenizer.token(ids[5])).isEqualTo("disc");
  }

  @Test
  void unknownWordsMapToUnkAndEmptyPromptIsBosOnly() {
    assertThat(tokenizer.encode("a zebra"))
        .containsExactly(Tokenizer.BOS, idOf("a"), Tokenizer.UNK);
    assertThat(tokenizer.encode("")).containsExactly(Tokenizer.BOS);
  }

  @Test
  void truncatesToMaxTokens() {
    assertThat(tokenizer.encode("a a a a a a a a a a")).hasSize(6);
  }

  @Test
  void saveAndLoadKeepIds(@TempDir Path dir) throws Exception {
    tokenizer.save(dir.resolve("vocab.txt"));
    Tokenizer loaded = Tokenizer.load(dir.resolve("vocab.txt"), 6);
    assertThat(loaded.encode("a small red disc"))
        .containsExactly(tokenizer.encode("a small red disc"));
  }

  @Test
  void rejectsTooSmallMaxTokens() {
    assertThatThrownBy(() -> Tokenizer.fromCorpus(List.of("a"), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxTokens");
  }

  private int idOf(String word) {
    for (int i = 0; i < tokenizer.vocabularySize(); i++) {
      if (tokenizer.token(i).equals(word)) {
        return i;
      }
    }
    throw new AssertionError(word);
  }
}

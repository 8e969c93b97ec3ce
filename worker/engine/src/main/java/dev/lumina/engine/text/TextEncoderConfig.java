package dev.lumina.engine.text;

/**
 * Geometry of {@link SmallTextEncoder}: a pre-norm transformer over word tokens.
 *
 * @param vocabSize number of token ids (the tokenizer's vocabulary, specials included), 3..100000
 * @param maxTokens longest token sequence, BOS included, 2..512
 * @param dim feature width {@code Cy}, a positive multiple of {@code heads}
 * @param layers transformer layers, 1..24
 * @param heads attention heads, 1..64
 */
public record TextEncoderConfig(int vocabSize, int maxTokens, int dim, int layers, int heads) {

  public TextEncoderConfig {
    check("vocabSize", vocabSize, 3, 100_000);
    check("maxTokens", maxTokens, 2, 512);
    check("dim", dim, 1, 4096);
    check("layers", layers, 1, 24);
    check("heads", heads, 1, 64);
    if (dim % heads != 0) {
      throw new IllegalArgumentException(
          "dim (" + dim + ") must be a multiple of heads (" + heads + ")");
    }
  }

  private static void check(String field, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          field + " must be in [" + min + ", " + max + "], got " + value);
    }
  }
}

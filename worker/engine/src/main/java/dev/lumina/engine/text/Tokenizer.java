package dev.lumina.engine.text;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Word-level tokenizer over a fixed vocabulary with an unknown-word token.
 *
 * <p>Text is lower-cased and split on every character that is not a letter or a digit, so {@code
 * "Top-left: a disc"} becomes {@code top, left, a, disc}. Each sequence starts with {@link #BOS},
 * so the empty prompt still has one valid token. Words outside the vocabulary map to {@link #UNK}.
 * Ids 0, 1 and 2 are always {@code <pad>}, {@code <unk>} and {@code <bos>}.
 *
 * <p>The vocabulary file ({@code vocab.txt}) holds one token per line in id order.
 *
 * <p>Immutable and thread-safe.
 */
public final class Tokenizer {

  /** Padding id (never produced by {@link #encode}; used to pad batches). */
  public static final int PAD = 0;

  /** Unknown-word id. */
  public static final int UNK = 1;

  /** Begin-of-sequence id, the first token of every sequence. */
  public static final int BOS = 2;

  private static final List<String> SPECIALS = List.of("<pad>", "<unk>", "<bos>");

  private final List<String> tokens;
  private final Map<String, Integer> ids;
  private final int maxTokens;

  private Tokenizer(List<String> tokens, int maxTokens) {
    if (maxTokens < 2) {
      throw new IllegalArgumentException("maxTokens must be >= 2, got " + maxTokens);
    }
    if (tokens.size() < SPECIALS.size() || !tokens.subList(0, SPECIALS.size()).equals(SPECIALS)) {
      throw new IllegalArgumentException("vocabulary must start with " + SPECIALS);
    }
    this.tokens = List.copyOf(tokens);
    this.maxTokens = maxTokens;
    Map<String, Integer> map = new HashMap<>();
    for (int i = 0; i < tokens.size(); i++) {
      if (map.put(tokens.get(i), i) != null) {
        throw new IllegalArgumentException(
            "duplicate vocabulary entry '" + tokens.get(i) + "' at line " + (i + 1));
      }
    }
    this.ids = Map.copyOf(map);
  }

  /**
   * Builds a vocabulary from every word of {@code corpus} (sorted, so the result is deterministic).
   */
  public static Tokenizer fromCorpus(Collection<String> corpus, int maxTokens) {
    TreeSet<String> words = new TreeSet<>();
    for (String text : corpus) {
      words.addAll(words(text));
    }
    List<String> all = new ArrayList<>(SPECIALS);
    all.addAll(words);
    return new Tokenizer(all, maxTokens);
  }

  /** Reads {@code vocab.txt} (one token per line, specials first). */
  public static Tokenizer load(Path vocabFile, int maxTokens) throws IOException {
    List<String> lines = new ArrayList<>();
    for (String line : Files.readAllLines(vocabFile, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        lines.add(line.strip());
      }
    }
    return new Tokenizer(lines, maxTokens);
  }

  /** Writes the vocabulary as {@code vocab.txt}. */
  public void save(Path vocabFile) throws IOException {
    Files.write(vocabFile, tokens, StandardCharsets.UTF_8);
  }

  /** Splits normalised text into words (lower case, letters and digits only). */
  public static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    for (String w : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (!w.isEmpty()) {
        out.add(w);
      }
    }
    return out;
  }

  /**
   * Token ids of {@code text}: {@link #BOS} then one id per word, truncated to {@link
   * #maxTokens()}.
   */
  public int[] encode(String text) {
    List<String> words = words(text);
    int n = Math.min(maxTokens, words.size() + 1);
    int[] out = new int[n];
    out[0] = BOS;
    for (int i = 1; i < n; i++) {
      out[i] = ids.getOrDefault(words.get(i - 1), UNK);
    }
    return out;
  }

  /** Number of distinct ids, specials included. */
  public int vocabularySize() {
    return tokens.size();
  }

  /** Longest sequence {@link #encode} returns. */
  public int maxTokens() {
    return maxTokens;
  }

  /** The token with id {@code id}. */
  public String token(int id) {
    return tokens.get(id);
  }
}

package dev.lumina.engine.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A Hugging Face {@code tokenizer.json} run by DJL's binding of the Rust {@code tokenizers}
 * library, with the special-token handling of Lumina-T2I's LLaMA tokenizer ({@code
 * add_bos_token=True, add_eos_token=True}): every sequence starts with BOS and ends with EOS, so
 * {@code ""} encodes to {@code [BOS, EOS]}. The file is used as is (normalizer, pre-tokenizer,
 * model, post-processor); BOS is prepended and EOS appended only where its post-processor does not
 * already add them. No truncation or padding by the library: {@link #batch} pads to the right with
 * {@link #padId()}.
 *
 * <p>The native library is the CPU build bundled in DJL's jar: {@link #load} selects that flavour
 * before first use, so a CUDA host never downloads another one.
 *
 * <p>Thread-safe once loaded; {@link #close} must not race with encoding.
 */
public final class HfTokenizer implements AutoCloseable {

  /** Tokenizer pipeline file in a model folder. */
  public static final String TOKENIZER_FILE = "tokenizer.json";

  /** Id that pads batches (LLaMA's {@code <unk>}, as Lumina-T2I pads). */
  public static final int DEFAULT_PAD_ID = 0;

  private final HuggingFaceTokenizer tokenizer;
  private final int bosId;
  private final int eosId;
  private final int padId;
  private final boolean prependBos;
  private final boolean appendEos;

  private HfTokenizer(HuggingFaceTokenizer tokenizer, int bosId, int eosId, int padId) {
    this.tokenizer = tokenizer;
    this.bosId = bosId;
    this.eosId = eosId;
    this.padId = padId;
    long[] empty = tokenizer.encode("").getIds();
    this.prependBos = bosId >= 0 && (empty.length == 0 || empty[0] != bosId);
    this.appendEos = empty.length == 0 || empty[empty.length - 1] != eosId;
  }

  /**
   * Loads {@value #TOKENIZER_FILE} from {@code dir}; the BOS/EOS tokens come from {@code
   * tokenizer_config.json}, {@code special_tokens_map.json} or {@code config.json} (ids resolved
   * through the tokenizer's vocabulary), falling back to LLaMA's 1 and 2.
   *
   * @throws IOException if the file is missing or unreadable
   */
  public static HfTokenizer load(Path dir) throws IOException {
    useBundledCpuLibrary();
    Path file = dir.resolve(TOKENIZER_FILE);
    JsonObject json;
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      json = JsonParser.parseReader(r).getAsJsonObject();
    }
    HuggingFaceTokenizer tokenizer =
        HuggingFaceTokenizer.newInstance(
            file,
            Map.of(
                "addSpecialTokens", "true",
                "truncation", "false",
                "padding", "false"));
    try {
      int bos = specialId(dir, json, "bos").orElse(1);
      int eos = specialId(dir, json, "eos").orElse(2);
      return new HfTokenizer(tokenizer, bos, eos, DEFAULT_PAD_ID);
    } catch (RuntimeException e) {
      tokenizer.close();
      throw e;
    }
  }

  /**
   * Selects the CPU flavour of DJL's tokenizers library (the one in its jar) and opts out of DJL's
   * start-up telemetry call, unless the environment or a system property already says otherwise. A
   * CUDA flavour forced through the environment is refused: it would be downloaded.
   */
  static synchronized void useBundledCpuLibrary() {
    String env = System.getenv("RUST_FLAVOR");
    if (env != null && !env.isEmpty() && !env.equals("cpu")) {
      throw new IllegalStateException(
          "RUST_FLAVOR=" + env + " would make DJL download a tokenizers library; unset it");
    }
    if (System.getProperty("RUST_FLAVOR") == null) {
      System.setProperty("RUST_FLAVOR", "cpu");
    }
    if (System.getenv("OPT_OUT_TRACKING") == null
        && System.getProperty("OPT_OUT_TRACKING") == null) {
      System.setProperty("OPT_OUT_TRACKING", "true");
    }
  }

  private static OptionalInt specialId(Path dir, JsonObject tokenizerJson, String kind)
      throws IOException {
    String key = kind + "_token";
    for (String f : List.of("tokenizer_config.json", "special_tokens_map.json")) {
      Optional<JsonObject> o = readObject(dir.resolve(f));
      if (o.isPresent() && o.get().has(key)) {
        Optional<String> content = tokenContent(o.get().get(key));
        if (content.isPresent()) {
          OptionalInt id = idOf(tokenizerJson, content.get());
          if (id.isPresent()) {
            return id;
          }
        }
      }
    }
    Optional<JsonObject> config = readObject(dir.resolve("config.json"));
    if (config.isPresent()
        && config.get().has(key + "_id")
        && config.get().get(key + "_id").isJsonPrimitive()) {
      return OptionalInt.of(config.get().get(key + "_id").getAsInt());
    }
    return OptionalInt.empty();
  }

  private static Optional<String> tokenContent(JsonElement e) {
    if (e == null || e.isJsonNull()) {
      return Optional.empty();
    }
    if (e.isJsonPrimitive()) {
      return Optional.of(e.getAsString());
    }
    if (e.isJsonObject() && e.getAsJsonObject().has("content")) {
      return Optional.of(e.getAsJsonObject().get("content").getAsString());
    }
    return Optional.empty();
  }

  private static OptionalInt idOf(JsonObject tokenizerJson, String content) {
    if (tokenizerJson.has("added_tokens") && tokenizerJson.get("added_tokens").isJsonArray()) {
      for (JsonElement t : tokenizerJson.getAsJsonArray("added_tokens")) {
        JsonObject o = t.getAsJsonObject();
        if (o.has("content") && o.get("content").getAsString().equals(content)) {
          return OptionalInt.of(o.get("id").getAsInt());
        }
      }
    }
    if (tokenizerJson.has("model") && tokenizerJson.get("model").isJsonObject()) {
      JsonElement vocab = tokenizerJson.getAsJsonObject("model").get("vocab");
      if (vocab != null && vocab.isJsonObject() && vocab.getAsJsonObject().has(content)) {
        return OptionalInt.of(vocab.getAsJsonObject().get(content).getAsInt());
      }
    }
    return OptionalInt.empty();
  }

  private static Optional<JsonObject> readObject(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      JsonElement e = JsonParser.parseReader(r);
      return e.isJsonObject() ? Optional.of(e.getAsJsonObject()) : Optional.empty();
    }
  }

  /** Token ids of {@code text}: BOS, the pieces, EOS. */
  public int[] encode(String text) {
    if (text == null) {
      throw new IllegalArgumentException("text must not be null");
    }
    long[] raw = tokenizer.encode(text).getIds();
    int n = raw.length + (prependBos ? 1 : 0) + (appendEos ? 1 : 0);
    int[] out = new int[n];
    int j = 0;
    if (prependBos) {
      out[j++] = bosId;
    }
    for (long id : raw) {
      out[j++] = Math.toIntExact(id);
    }
    if (appendEos) {
      out[j] = eosId;
    }
    return out;
  }

  /**
   * Encodes a batch, right-padded with {@link #padId()} to the longest sequence; sequences longer
   * than {@code maxTokens} keep their first {@code maxTokens - 1} tokens and EOS.
   */
  public TokenBatch batch(List<String> prompts, int maxTokens) {
    if (prompts == null || prompts.isEmpty()) {
      throw new IllegalArgumentException("prompts must hold at least one prompt");
    }
    if (maxTokens < 2) {
      throw new IllegalArgumentException("maxTokens must be >= 2, got " + maxTokens);
    }
    int b = prompts.size();
    int[][] ids = new int[b][];
    int len = 1;
    for (int i = 0; i < b; i++) {
      if (prompts.get(i) == null) {
        throw new IllegalArgumentException("prompts[" + i + "] must not be null");
      }
      int[] t = encode(prompts.get(i));
      if (t.length > maxTokens) {
        int last = t[t.length - 1];
        t = Arrays.copyOf(t, maxTokens);
        t[maxTokens - 1] = last;
      }
      ids[i] = t;
      len = Math.max(len, t.length);
    }
    long[] flat = new long[b * len];
    float[] mask = new float[b * len];
    int[] lens = new int[b];
    for (int i = 0; i < b; i++) {
      lens[i] = ids[i].length;
      for (int j = 0; j < len; j++) {
        boolean real = j < ids[i].length;
        flat[i * len + j] = real ? ids[i][j] : padId;
        mask[i * len + j] = real ? 1f : 0f;
      }
    }
    return new TokenBatch(b, len, flat, mask, lens);
  }

  /** Begin-of-sequence id. */
  public int bosId() {
    return bosId;
  }

  /** End-of-sequence id, the last token of every sequence. */
  public int eosId() {
    return eosId;
  }

  /** Id at padded positions. */
  public int padId() {
    return padId;
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}

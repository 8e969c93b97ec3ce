package dev.lumina.engine.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Geometry of a LLaMA decoder as read from a Hugging Face {@code config.json} ({@code model_type}
 * {@code "llama"}).
 *
 * @param vocabSize embedding rows
 * @param hiddenSize feature width
 * @param layers decoder layers
 * @param heads query heads
 * @param kvHeads key/value heads (GQA when fewer than {@code heads}; must divide it)
 * @param headDim width of one head ({@code head_dim}, else {@code hidden_size / heads})
 * @param intermediateSize SwiGLU hidden width
 * @param rmsNormEps RMSNorm epsilon
 * @param ropeTheta RoPE base
 * @param maxPositions {@code max_position_embeddings}
 */
public record LlamaConfig(
    int vocabSize,
    int hiddenSize,
    int layers,
    int heads,
    int kvHeads,
    int headDim,
    int intermediateSize,
    double rmsNormEps,
    double ropeTheta,
    int maxPositions) {

  /** The config file of a Hugging Face model folder. */
  public static final String FILE = "config.json";

  public LlamaConfig {
    positive("vocabSize", vocabSize);
    positive("hiddenSize", hiddenSize);
    positive("layers", layers);
    positive("heads", heads);
    positive("kvHeads", kvHeads);
    positive("headDim", headDim);
    positive("intermediateSize", intermediateSize);
    positive("maxPositions", maxPositions);
    if (heads % kvHeads != 0) {
      throw new IllegalArgumentException(
          "num_attention_heads ("
              + heads
              + ") must be a multiple of num_key_value_heads ("
              + kvHeads
              + ")");
    }
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("head_dim must be even for RoPE, got " + headDim);
    }
    if (!(rmsNormEps > 0) || !(ropeTheta > 0)) {
      throw new IllegalArgumentException("rms_norm_eps and rope_theta must be > 0");
    }
  }

  /** Whether {@code dir} holds a {@code config.json} whose {@code model_type} is {@code llama}. */
  public static boolean isLlamaFolder(Path dir) {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return false;
    }
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      JsonElement e = JsonParser.parseReader(r);
      return e.isJsonObject()
          && e.getAsJsonObject().has("model_type")
          && "llama".equals(e.getAsJsonObject().get("model_type").getAsString());
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Reads {@code dir/config.json}. RoPE theta is the top-level {@code rope_theta} (transformers 4)
   * or {@code rope_parameters.rope_theta} (transformers 5), default 10000; only the default
   * (unscaled) RoPE is supported.
   *
   * @throws IllegalArgumentException for a non-LLaMA config, a non-SiLU activation, RoPE scaling or
   *     an invalid geometry
   */
  public static LlamaConfig read(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    JsonObject j;
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      j = JsonParser.parseReader(r).getAsJsonObject();
    }
    String type = string(j, "model_type", "");
    if (!type.equals("llama")) {
      throw new IllegalArgumentException(file + ": model_type must be 'llama', got '" + type + "'");
    }
    String act = string(j, "hidden_act", "silu");
    if (!act.equals("silu")) {
      throw new IllegalArgumentException(file + ": hidden_act must be 'silu', got '" + act + "'");
    }
    double theta = 10000.0;
    for (String key : new String[] {"rope_scaling", "rope_parameters"}) {
      JsonElement rope = j.get(key);
      if (rope != null && rope.isJsonObject()) {
        JsonObject o = rope.getAsJsonObject();
        String ropeType = string(o, "rope_type", string(o, "type", "default"));
        if (!ropeType.toLowerCase(Locale.ROOT).equals("default")) {
          throw new IllegalArgumentException(
              file + ": " + key + " type '" + ropeType + "' is not supported (default RoPE only)");
        }
        if (o.has("rope_theta")) {
          theta = o.get("rope_theta").getAsDouble();
        }
      }
    }
    if (j.has("rope_theta") && !j.get("rope_theta").isJsonNull()) {
      theta = j.get("rope_theta").getAsDouble();
    }
    int hidden = integer(j, "hidden_size");
    int heads = integer(j, "num_attention_heads");
    int kv =
        j.has("num_key_value_heads") && !j.get("num_key_value_heads").isJsonNull()
            ? j.get("num_key_value_heads").getAsInt()
            : heads;
    int headDim =
        j.has("head_dim") && !j.get("head_dim").isJsonNull()
            ? j.get("head_dim").getAsInt()
            : hidden / heads;
    return new LlamaConfig(
        integer(j, "vocab_size"),
        hidden,
        integer(j, "num_hidden_layers"),
        heads,
        kv,
        headDim,
        integer(j, "intermediate_size"),
        j.has("rms_norm_eps") ? j.get("rms_norm_eps").getAsDouble() : 1e-6,
        theta,
        j.has("max_position_embeddings") ? j.get("max_position_embeddings").getAsInt() : 2048);
  }

  private static int integer(JsonObject j, String key) {
    if (!j.has(key) || j.get(key).isJsonNull()) {
      throw new IllegalArgumentException("config.json has no '" + key + "'");
    }
    return j.get(key).getAsInt();
  }

  private static String string(JsonObject j, String key, String def) {
    return j.has(key) && j.get(key).isJsonPrimitive() ? j.get(key).getAsString() : def;
  }

  private static void positive(String field, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(field + " must be >= 1, got " + value);
    }
  }
}

package dev.lumina.engine.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.lumina.engine.checkpoint.Parameters;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A small word-level transformer text encoder, trained jointly with the shipped Flag-DiT.
 *
 * <p>Token and learned position embeddings, {@code layers} pre-LayerNorm blocks (masked multi-head
 * self-attention, GELU MLP of width {@code 4·dim}), a final LayerNorm; padded positions are zeroed.
 * Parameter names (the safetensors keys): {@code token_embedding [V, D]}, {@code position_embedding
 * [Lmax, D]}, {@code layers.i.{norm1,norm2}.{weight,bias}}, {@code layers.i.wqkv.{weight [3D,
 * D],bias}}, {@code layers.i.wo.{weight,bias}}, {@code layers.i.w1.{weight [4D, D],bias}}, {@code
 * layers.i.w2.{weight,bias}}, {@code final_norm.{weight,bias}}.
 *
 * <p>Thread-safety: {@link #encode} may run concurrently; training mutates {@link #parameters()} in
 * place and must not overlap with encoding on other threads.
 */
public final class SmallTextEncoder implements TextEncoder {

  /** The {@code "type"} value in {@value TextEncoders#CONFIG_FILE}. */
  public static final String TYPE = "small-transformer";

  private final TextEncoderConfig config;
  private final Tokenizer tokenizer;
  private final NDManager weights;
  private final Map<String, NDArray> params;

  private SmallTextEncoder(
      TextEncoderConfig config,
      Tokenizer tokenizer,
      NDManager weights,
      Map<String, NDArray> params) {
    if (config.vocabSize() != tokenizer.vocabularySize()) {
      throw new IllegalArgumentException(
          "vocabSize ("
              + config.vocabSize()
              + ") must equal the tokenizer's vocabulary size ("
              + tokenizer.vocabularySize()
              + ")");
    }
    if (config.maxTokens() != tokenizer.maxTokens()) {
      throw new IllegalArgumentException(
          "maxTokens ("
              + config.maxTokens()
              + ") must equal the tokenizer's maxTokens ("
              + tokenizer.maxTokens()
              + ")");
    }
    this.config = config;
    this.tokenizer = tokenizer;
    this.weights = weights;
    this.params = Collections.unmodifiableMap(params);
  }

  /**
   * A freshly initialised encoder: embeddings N(0, 0.02²), Linear weights xavier-uniform, biases 0,
   * norms 1/0. The random stream comes from {@code seed} alone (not DJL's global generator).
   */
  public static SmallTextEncoder initialize(
      TextEncoderConfig config, Tokenizer tokenizer, NDManager manager, long seed) {
    NDManager weights = manager.newSubManager();
    Random random = new Random(seed);
    int d = config.dim();
    Map<String, NDArray> p = new LinkedHashMap<>();
    p.put("token_embedding", normal(weights, random, 0.02f, config.vocabSize(), d));
    p.put("position_embedding", normal(weights, random, 0.02f, config.maxTokens(), d));
    for (int i = 0; i < config.layers(); i++) {
      String l = "layers." + i + ".";
      p.put(l + "norm1.weight", weights.ones(new Shape(d)));
      p.put(l + "norm1.bias", weights.zeros(new Shape(d)));
      p.put(l + "wqkv.weight", xavier(weights, random, 3 * d, d));
      p.put(l + "wqkv.bias", weights.zeros(new Shape(3 * d)));
      p.put(l + "wo.weight", xavier(weights, random, d, d));
      p.put(l + "wo.bias", weights.zeros(new Shape(d)));
      p.put(l + "norm2.weight", weights.ones(new Shape(d)));
      p.put(l + "norm2.bias", weights.zeros(new Shape(d)));
      p.put(l + "w1.weight", xavier(weights, random, 4 * d, d));
      p.put(l + "w1.bias", weights.zeros(new Shape(4 * d)));
      p.put(l + "w2.weight", xavier(weights, random, d, 4 * d));
      p.put(l + "w2.bias", weights.zeros(new Shape(d)));
    }
    p.put("final_norm.weight", weights.ones(new Shape(d)));
    p.put("final_norm.bias", weights.zeros(new Shape(d)));
    p.forEach((name, array) -> array.setName(name));
    return new SmallTextEncoder(config, tokenizer, weights, p);
  }

  /**
   * Loads {@value TextEncoders#CONFIG_FILE}, {@value TextEncoders#VOCAB_FILE} and the weights from
   * {@code dir}.
   */
  public static SmallTextEncoder load(Path dir, NDManager manager) throws IOException {
    TextEncoderConfig config;
    try (Reader r =
        Files.newBufferedReader(dir.resolve(TextEncoders.CONFIG_FILE), StandardCharsets.UTF_8)) {
      JsonObject json = JsonParser.parseReader(r).getAsJsonObject();
      config =
          new TextEncoderConfig(
              json.get("vocab_size").getAsInt(),
              json.get("max_tokens").getAsInt(),
              json.get("dim").getAsInt(),
              json.get("layers").getAsInt(),
              json.get("heads").getAsInt());
    }
    Tokenizer tokenizer = Tokenizer.load(dir.resolve(TextEncoders.VOCAB_FILE), config.maxTokens());
    SmallTextEncoder fresh = initialize(config, tokenizer, manager, 0);
    try (InputStream in = Files.newInputStream(dir.resolve(TextEncoders.WEIGHTS_FILE))) {
      fresh.loadParameters(NDList.decode(fresh.weights, in));
    } catch (RuntimeException e) {
      fresh.close();
      throw e;
    }
    return fresh;
  }

  /** Writes metadata, vocabulary and weights into {@code dir} (created if needed). */
  public void save(Path dir) throws IOException {
    write(dir, config, tokenizer, params);
  }

  /**
   * Writes an encoder directory from explicit weights (for example an exponential moving average of
   * {@link #parameters()}), keyed by the parameter names of this class.
   */
  public static void write(
      Path dir, TextEncoderConfig config, Tokenizer tokenizer, Map<String, NDArray> weights)
      throws IOException {
    Files.createDirectories(dir);
    JsonObject json = new JsonObject();
    json.addProperty("type", TYPE);
    json.addProperty("vocab_size", config.vocabSize());
    json.addProperty("max_tokens", config.maxTokens());
    json.addProperty("dim", config.dim());
    json.addProperty("layers", config.layers());
    json.addProperty("heads", config.heads());
    Files.writeString(dir.resolve(TextEncoders.CONFIG_FILE), json + "\n", StandardCharsets.UTF_8);
    tokenizer.save(dir.resolve(TextEncoders.VOCAB_FILE));
    NDList list = new NDList();
    weights.forEach(
        (name, array) -> {
          array.setName(name);
          list.add(array);
        });
    Path tmp = dir.resolve(TextEncoders.WEIGHTS_FILE + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      list.encode(out, NDList.Encoding.SAFETENSORS);
    }
    Files.move(
        tmp,
        dir.resolve(TextEncoders.WEIGHTS_FILE),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Copies values from {@code source} (matched by name) into this encoder's parameters.
   *
   * @throws IllegalArgumentException if a parameter is missing or has another shape
   */
  public void loadParameters(NDList source) {
    Map<String, NDArray> byName = new LinkedHashMap<>();
    for (NDArray a : source) {
      byName.put(a.getName(), a);
    }
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      NDArray src = byName.get(e.getKey());
      if (src == null) {
        throw new IllegalArgumentException("text encoder weights lack '" + e.getKey() + "'");
      }
      if (!src.getShape().equals(e.getValue().getShape())) {
        throw new IllegalArgumentException(
            "text encoder weight '"
                + e.getKey()
                + "' must have shape "
                + e.getValue().getShape()
                + ", got "
                + src.getShape());
      }
      e.getValue().set(src.toType(DataType.FLOAT32, false).toFloatArray());
    }
  }

  /** Trainable parameters by name, in a fixed order; the arrays are the live weights. */
  public Map<String, NDArray> parameters() {
    return params;
  }

  /** The tokenizer this encoder was trained with. */
  public Tokenizer tokenizer() {
    return tokenizer;
  }

  /** The encoder's geometry. */
  public TextEncoderConfig config() {
    return config;
  }

  @Override
  public EncodedText encode(List<String> prompts, NDManager manager) {
    if (prompts == null || prompts.isEmpty()) {
      throw new IllegalArgumentException("prompts must hold at least one prompt");
    }
    int b = prompts.size();
    int[][] ids = new int[b][];
    int len = 1;
    for (int i = 0; i < b; i++) {
      if (prompts.get(i) == null) {
        throw new IllegalArgumentException("prompts[" + i + "] must not be null");
      }
      ids[i] = tokenizer.encode(prompts.get(i));
      len = Math.max(len, ids[i].length);
    }
    long[] flat = new long[b * len];
    long[] positions = new long[b * len];
    float[] maskValues = new float[b * len];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < len; j++) {
        positions[i * len + j] = j;
        if (j < ids[i].length) {
          flat[i * len + j] = ids[i][j];
          maskValues[i * len + j] = 1f;
        }
      }
    }
    // Every array built from Java data lives in the caller's manager until it is closed: an
    // autograd
    // graph over this call (joint training) reads the ids, the mask and the attention scale again
    // in the
    // backward pass, after encode returns.
    NDArray tokenIds = manager.create(flat, new Shape(b, len));
    NDArray positionIds = manager.create(positions, new Shape(b, len));
    NDArray mask = manager.create(maskValues, new Shape(b, len));
    NDArray scale =
        manager.create((float) (1.0 / Math.sqrt((double) config.dim() / config.heads())));
    NDArray features = forward(tokenIds, positionIds, mask, scale);
    return new EncodedText(features, mask);
  }

  private NDArray forward(NDArray tokenIds, NDArray positionIds, NDArray mask, NDArray scale) {
    int d = config.dim();
    int h = config.heads();
    long b = tokenIds.getShape().get(0);
    long len = tokenIds.getShape().get(1);
    Shape norm = new Shape(d);
    NDArray x =
        Embedding.embedding(tokenIds, params.get("token_embedding"), SparseFormat.DENSE)
            .singletonOrThrow()
            .add(
                Embedding.embedding(
                        positionIds, params.get("position_embedding"), SparseFormat.DENSE)
                    .singletonOrThrow());
    NDArray keyBias = mask.sub(1f).mul(1e9f).reshape(b, 1, 1, len);
    for (int i = 0; i < config.layers(); i++) {
      String l = "layers." + i + ".";
      NDArray u =
          LayerNorm.layerNorm(
                  x, norm, params.get(l + "norm1.weight"), params.get(l + "norm1.bias"), 1e-5f)
              .singletonOrThrow();
      NDArray qkv =
          Linear.linear(u, params.get(l + "wqkv.weight"), params.get(l + "wqkv.bias"))
              .singletonOrThrow()
              .reshape(b, len, 3, h, d / h)
              .transpose(2, 0, 3, 1, 4);
      NDList split = qkv.split(3, 0);
      NDArray q = split.get(0).squeeze(0);
      NDArray k = split.get(1).squeeze(0);
      NDArray v = split.get(2).squeeze(0);
      NDArray attn = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale).add(keyBias).softmax(-1);
      NDArray o = attn.matMul(v).transpose(0, 2, 1, 3).reshape(b, len, d);
      x =
          x.add(
              Linear.linear(o, params.get(l + "wo.weight"), params.get(l + "wo.bias"))
                  .singletonOrThrow());
      u =
          LayerNorm.layerNorm(
                  x, norm, params.get(l + "norm2.weight"), params.get(l + "norm2.bias"), 1e-5f)
              .singletonOrThrow();
      NDArray hidden =
          Activation.gelu(
              Linear.linear(u, params.get(l + "w1.weight"), params.get(l + "w1.bias"))
                  .singletonOrThrow());
      x =
          x.add(
              Linear.linear(hidden, params.get(l + "w2.weight"), params.get(l + "w2.bias"))
                  .singletonOrThrow());
    }
    x =
        LayerNorm.layerNorm(
                x, norm, params.get("final_norm.weight"), params.get("final_norm.bias"), 1e-5f)
            .singletonOrThrow();
    return x.mul(mask.expandDims(2));
  }

  @Override
  public int featureDim() {
    return config.dim();
  }

  @Override
  public int maxTokens() {
    return config.maxTokens();
  }

  @Override
  public long weightBytes() {
    return Parameters.bytes(params.values());
  }

  @Override
  public void close() {
    weights.close();
  }

  private static NDArray normal(NDManager m, Random random, float std, int rows, int cols) {
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (random.nextGaussian() * std);
    }
    return m.create(v, new Shape(rows, cols));
  }

  private static NDArray xavier(NDManager m, Random random, int out, int in) {
    float bound = (float) Math.sqrt(6.0 / (in + out));
    float[] v = new float[out * in];
    for (int i = 0; i < v.length; i++) {
      v[i] = (random.nextFloat() * 2f - 1f) * bound;
    }
    return m.create(v, new Shape(out, in));
  }
}

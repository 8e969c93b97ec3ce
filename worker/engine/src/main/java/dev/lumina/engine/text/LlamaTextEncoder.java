package dev.lumina.engine.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.checkpoint.Parameters;
import dev.lumina.engine.checkpoint.SafetensorsShards;
import dev.lumina.engine.model.EngineKind;
import dev.lumina.engine.model.EngineSwitchable;
import dev.lumina.engine.model.Precision;
import dev.lumina.engine.pytorch.PyTorch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pretrained LLaMA decoder (Hugging Face {@code LlamaModel}) as Flag-DiT's caption encoder, as
 * Lumina-T2I runs LLaMA-2-7B: the prompts are tokenized with BOS and EOS ({@link HfTokenizer}),
 * right-padded with id 0, and run with causal attention only (no padding mask), so padded positions
 * get ordinary features that the model masks by {@code cap_mask}; real tokens never see them.
 * {@link #encode} returns {@code last_hidden_state} (after the final RMSNorm); {@link
 * #encodeHiddenState} returns any entry of HF's {@code hidden_states}, e.g. {@code -2} (the raw
 * output of the second-to-last layer) for the Lumina-Next family.
 *
 * <p>Per layer: RMSNorm (fp32) → q/k/v projections → RoPE rotating halves ({@code q·cos +
 * rotate_half(q)·sin}, {@code inv_freq_i = 1/θ^(2i/d)}) → causal softmax attention with scale
 * {@code 1/√head_dim}, key/value heads repeated for GQA → {@code o_proj} residual → RMSNorm →
 * {@code down(silu(gate(x))·up(x))} residual; a final RMSNorm. Optional projection biases ({@code
 * attention_bias}, {@code mlp_bias}) are used when the checkpoint has them.
 *
 * <p>Thread-safety: {@link #encode} may run concurrently; the weights are read-only. {@link
 * #close()} must not race with encoding.
 */
public final class LlamaTextEncoder implements TextEncoder, EngineSwitchable {

  private final LlamaConfig config;
  private final HfTokenizer tokenizer;
  private final NDManager weights;
  private final Map<String, NDArray> params;
  private final float[] invFreq;
  private final Map<String, NDArray> store;
  private volatile CompiledLlama compiled;
  private volatile boolean compiledOnly;

  private LlamaTextEncoder(
      LlamaConfig config, HfTokenizer tokenizer, NDManager weights, Map<String, NDArray> params) {
    this.config = config;
    this.tokenizer = tokenizer;
    this.weights = weights;
    this.store = new LinkedHashMap<>(params);
    this.params = Collections.unmodifiableMap(store);
    int half = config.headDim() / 2;
    invFreq = new float[half];
    for (int i = 0; i < half; i++) {
      float exponent = (float) (2 * i) / config.headDim();
      invFreq[i] = 1f / (float) Math.pow(config.ropeTheta(), exponent);
    }
  }

  /**
   * Loads an HF LLaMA folder: {@code config.json}, the weights ({@code
   * model.safetensors.index.json} and its shards, or one {@code model.safetensors}; keys with or
   * without the {@code model.} prefix, F32/F16/BF16 widened to float32 one tensor at a time; {@code
   * lm_head.weight} ignored) and {@code tokenizer.json}. The weights live in a sub-manager of
   * {@code manager}, on its device.
   *
   * @throws IOException if a file is missing or unreadable
   * @throws IllegalArgumentException if the config is not a supported LLaMA or a tensor is missing
   *     or misshapen
   */
  public static LlamaTextEncoder load(Path hfFolder, NDManager manager) throws IOException {
    LlamaConfig config = LlamaConfig.read(hfFolder);
    HfTokenizer tokenizer = HfTokenizer.load(hfFolder);
    NDManager weights = manager.newSubManager();
    try (SafetensorsShards shards = SafetensorsShards.open(hfFolder)) {
      String prefix = shards.contains("model.embed_tokens.weight") ? "model." : "";
      Map<String, NDArray> p = new LinkedHashMap<>();
      for (Map.Entry<String, long[]> e : expectedShapes(config).entrySet()) {
        String key = prefix + e.getKey();
        if (!shards.contains(key)) {
          if (isOptionalBias(e.getKey())) {
            continue;
          }
          throw new IllegalArgumentException(hfFolder + ": checkpoint has no tensor '" + key + "'");
        }
        long[] shape = shards.entry(key).shape();
        if (!Arrays.equals(shape, e.getValue())) {
          throw new IllegalArgumentException(
              hfFolder
                  + ": tensor '"
                  + key
                  + "' has shape "
                  + Arrays.toString(shape)
                  + ", config.json implies "
                  + Arrays.toString(e.getValue()));
        }
        HostTensor t = shards.read(key);
        NDArray a = weights.create(t.data(), new Shape(t.shape()));
        a.setName(e.getKey());
        p.put(e.getKey(), a);
      }
      weights.cap();
      return new LlamaTextEncoder(config, tokenizer, weights, p);
    } catch (IOException | RuntimeException e) {
      weights.close();
      tokenizer.close();
      throw e;
    }
  }

  private static boolean isOptionalBias(String name) {
    return name.endsWith(".bias");
  }

  /** Every parameter (without the {@code model.} prefix) and its shape, biases included. */
  private static Map<String, long[]> expectedShapes(LlamaConfig c) {
    long d = c.hiddenSize();
    long q = (long) c.heads() * c.headDim();
    long kv = (long) c.kvHeads() * c.headDim();
    long f = c.intermediateSize();
    Map<String, long[]> s = new LinkedHashMap<>();
    s.put("embed_tokens.weight", new long[] {c.vocabSize(), d});
    for (int i = 0; i < c.layers(); i++) {
      String l = "layers." + i + ".";
      s.put(l + "input_layernorm.weight", new long[] {d});
      s.put(l + "self_attn.q_proj.weight", new long[] {q, d});
      s.put(l + "self_attn.q_proj.bias", new long[] {q});
      s.put(l + "self_attn.k_proj.weight", new long[] {kv, d});
      s.put(l + "self_attn.k_proj.bias", new long[] {kv});
      s.put(l + "self_attn.v_proj.weight", new long[] {kv, d});
      s.put(l + "self_attn.v_proj.bias", new long[] {kv});
      s.put(l + "self_attn.o_proj.weight", new long[] {d, q});
      s.put(l + "self_attn.o_proj.bias", new long[] {d});
      s.put(l + "post_attention_layernorm.weight", new long[] {d});
      s.put(l + "mlp.gate_proj.weight", new long[] {f, d});
      s.put(l + "mlp.gate_proj.bias", new long[] {f});
      s.put(l + "mlp.up_proj.weight", new long[] {f, d});
      s.put(l + "mlp.up_proj.bias", new long[] {f});
      s.put(l + "mlp.down_proj.weight", new long[] {d, f});
      s.put(l + "mlp.down_proj.bias", new long[] {d});
    }
    s.put("norm.weight", new long[] {d});
    return s;
  }

  /**
   * Runs encodings on {@code engine}: compiled generates the decoder layers as one TorchScript
   * module (in bfloat16 when {@code precision} is BF16, whose float32 projection weights are then
   * released and only single hidden states can be computed); eager (fp32 only) runs per op. Not to
   * be called while encodings run.
   *
   * @throws IllegalArgumentException for eager bf16
   * @throws IllegalStateException after a bf16 switch released the float32 weights
   */
  @Override
  public void useEngine(EngineKind engine, Precision precision) {
    if (engine == EngineKind.EAGER && precision != Precision.FP32) {
      throw new IllegalArgumentException(
          "dtype bf16 needs the compiled engine (--engine compiled)");
    }
    if (compiledOnly) {
      throw new IllegalStateException(COMPILED_ONLY);
    }
    CompiledLlama old = compiled;
    compiled =
        engine == EngineKind.COMPILED
            ? CompiledLlama.compile(config, params, precision == Precision.BF16)
            : null;
    if (old != null) {
      old.close();
    }
    if (compiled != null && precision == Precision.BF16) {
      for (String key : compiled.lowKeys()) {
        store.remove(key).close();
      }
      compiledOnly = true;
    }
  }

  private static final String COMPILED_ONLY =
      "this text encoder keeps its projections in bfloat16 only (--dtype bf16): every hidden"
          + " state at once and eager encodings need --dtype fp32";

  /** The engine encodings run on. */
  public EngineKind engine() {
    return compiled == null ? EngineKind.EAGER : EngineKind.COMPILED;
  }

  /** The decoder's geometry. */
  public LlamaConfig config() {
    return config;
  }

  /** The tokenizer loaded from the same folder. */
  public HfTokenizer tokenizer() {
    return tokenizer;
  }

  /** Tokenizes a batch as {@link #encode} does (BOS, pieces, EOS; right padding with id 0). */
  public TokenBatch tokenize(List<String> prompts) {
    return tokenizer.batch(prompts, maxTokens());
  }

  /** {@code last_hidden_state} {@code [B, L, hidden]} and the mask; see the class comment. */
  @Override
  public EncodedText encode(List<String> prompts, NDManager manager) {
    return encodeHiddenState(prompts, -1, manager);
  }

  /**
   * Entry {@code index} of HF's {@code hidden_states} (length {@code layers + 1}: 0 = token
   * embeddings, i = raw output of layer i-1, the last = {@code last_hidden_state} after the final
   * norm); a negative index counts from the end, so {@code -2} is the raw output of the
   * second-to-last layer. Only the layers needed are run.
   */
  public EncodedText encodeHiddenState(List<String> prompts, int index, NDManager manager) {
    TokenBatch batch = tokenize(prompts);
    NDArray features = hiddenState(batch, index, manager);
    NDArray mask = manager.create(batch.mask(), new Shape(batch.batch(), batch.length()));
    return new EncodedText(features, mask);
  }

  /** Entry {@code index} of {@code hidden_states} for an already tokenized batch. */
  public NDArray hiddenState(TokenBatch batch, int index, NDManager manager) {
    int n = config.layers() + 1;
    int i = index < 0 ? n + index : index;
    if (i < 0 || i >= n) {
      throw new IllegalArgumentException(
          "hidden state index " + index + " is outside [" + -n + ", " + (n - 1) + "]");
    }
    return forward(batch, i, false, manager).singletonOrThrow();
  }

  /** All {@code layers + 1} entries of HF's {@code hidden_states} (see {@link #hiddenState}). */
  public NDList hiddenStates(TokenBatch batch, NDManager manager) {
    return forward(batch, config.layers(), true, manager);
  }

  /** RoPE cosines {@code [length, head_dim]} for positions {@code 0..length-1} (halves layout). */
  public HostTensor ropeCos(int length) {
    return rope(length, true);
  }

  /** RoPE sines {@code [length, head_dim]} for positions {@code 0..length-1} (halves layout). */
  public HostTensor ropeSin(int length) {
    return rope(length, false);
  }

  private HostTensor rope(int length, boolean cos) {
    int dh = config.headDim();
    int half = dh / 2;
    float[] out = new float[length * dh];
    for (int p = 0; p < length; p++) {
      for (int i = 0; i < half; i++) {
        float angle = (float) p * invFreq[i];
        float v = (float) (cos ? Math.cos(angle) : Math.sin(angle));
        out[p * dh + i] = v;
        out[p * dh + half + i] = v;
      }
    }
    return new HostTensor(new long[] {length, dh}, out);
  }

  /**
   * Runs the embedding and the layers up to hidden state {@code last}; returns that state alone, or
   * states {@code 0..last} when {@code collect}. Every intermediate lives in a scratch manager
   * closed before returning; the results are attached to {@code out}.
   */
  private NDList forward(TokenBatch batch, int last, boolean collect, NDManager out) {
    int b = batch.batch();
    int len = batch.length();
    NDList result = new NDList();
    try (NDManager scratch = out.newSubManager()) {
      NDArray ids = scratch.create(batch.ids(), new Shape(b, len));
      HostTensor cosT = ropeCos(len);
      HostTensor sinT = ropeSin(len);
      NDArray cos = scratch.create(cosT.data(), new Shape(cosT.shape()));
      NDArray sin = scratch.create(sinT.data(), new Shape(sinT.shape()));
      NDArray causal = scratch.create(causalMask(len), new Shape(len, len));
      NDArray x =
          Embedding.embedding(ids, params.get("embed_tokens.weight"), SparseFormat.DENSE)
              .singletonOrThrow();
      CompiledLlama c = compiled;
      if (c != null && !collect && !PyTorch.gradMode()) {
        NDArray y = c.run(x, cos, sin, last);
        y.attach(out);
        result.add(y);
        return result;
      }
      if (compiledOnly) {
        throw new IllegalStateException(COMPILED_ONLY);
      }
      if (collect) {
        x.attach(out);
        result.add(x);
      }
      for (int layer = 0; layer < last; layer++) {
        NDArray y;
        try (NDManager step = scratch.newSubManager()) {
          x.tempAttach(step);
          y = layer(layer, x, cos, sin, causal);
          if (layer == config.layers() - 1) {
            y = rmsNorm(y, params.get("norm.weight"));
          }
          y.attach(scratch);
        }
        if (!collect) {
          x.close();
        }
        x = y;
        if (collect) {
          x.attach(out);
          result.add(x);
        }
      }
      if (!collect) {
        x.attach(out);
        result.add(x);
      }
    }
    return result;
  }

  private static float[] causalMask(int len) {
    float[] m = new float[len * len];
    for (int i = 0; i < len; i++) {
      for (int j = i + 1; j < len; j++) {
        m[i * len + j] = Float.NEGATIVE_INFINITY;
      }
    }
    return m;
  }

  private NDArray layer(int index, NDArray x, NDArray cos, NDArray sin, NDArray causal) {
    String l = "layers." + index + ".";
    long b = x.getShape().get(0);
    long len = x.getShape().get(1);
    int h = config.heads();
    int kv = config.kvHeads();
    int dh = config.headDim();
    NDArray u = rmsNorm(x, params.get(l + "input_layernorm.weight"));
    NDArray q = heads(linear(u, l + "self_attn.q_proj"), h);
    NDArray k = heads(linear(u, l + "self_attn.k_proj"), kv);
    NDArray v = heads(linear(u, l + "self_attn.v_proj"), kv);
    q = rotate(q, cos, sin);
    k = rotate(k, cos, sin);
    if (kv != h) {
      int rep = h / kv;
      Shape repeated = new Shape(b, kv, rep, len, dh);
      k = k.expandDims(2).broadcast(repeated).reshape(b, h, len, dh);
      v = v.expandDims(2).broadcast(repeated).reshape(b, h, len, dh);
    }
    float scale = (float) Math.pow(dh, -0.5);
    NDArray attn = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale).add(causal).softmax(-1);
    NDArray o = attn.matMul(v).transpose(0, 2, 1, 3).reshape(b, len, (long) h * dh);
    x = x.add(linear(o, l + "self_attn.o_proj"));
    u = rmsNorm(x, params.get(l + "post_attention_layernorm.weight"));
    NDArray gate = linear(u, l + "mlp.gate_proj");
    NDArray up = linear(u, l + "mlp.up_proj");
    NDArray hidden = gate.mul(Activation.sigmoid(gate)).mul(up);
    return x.add(linear(hidden, l + "mlp.down_proj"));
  }

  /** {@code [B, L, n·Dh]} → {@code [B, n, L, Dh]}. */
  private NDArray heads(NDArray t, int n) {
    Shape s = t.getShape();
    return t.reshape(s.get(0), s.get(1), n, config.headDim()).transpose(0, 2, 1, 3);
  }

  /** {@code t·cos + rotate_half(t)·sin}, rotate_half(t) = cat(-t[d/2:], t[:d/2]). */
  private static NDArray rotate(NDArray t, NDArray cos, NDArray sin) {
    NDList halves = t.split(2, 3);
    NDArray rotated = halves.get(1).neg().concat(halves.get(0), 3);
    return t.mul(cos).add(rotated.mul(sin));
  }

  private NDArray linear(NDArray x, String name) {
    return Linear.linear(x, params.get(name + ".weight"), params.get(name + ".bias"))
        .singletonOrThrow();
  }

  private NDArray rmsNorm(NDArray x, NDArray weight) {
    NDArray inv = x.square().mean(new int[] {-1}, true).add((float) config.rmsNormEps()).pow(-0.5f);
    return x.mul(inv).mul(weight);
  }

  @Override
  public int featureDim() {
    return config.hiddenSize();
  }

  @Override
  public int maxTokens() {
    return config.maxPositions();
  }

  @Override
  public long weightBytes() {
    CompiledLlama c = compiled;
    return Parameters.bytes(params.values()) + (c == null ? 0 : c.lowBytes());
  }

  @Override
  public void close() {
    CompiledLlama c = compiled;
    compiled = null;
    if (c != null) {
      c.close();
    }
    weights.close();
    tokenizer.close();
  }
}

package dev.lumina.engine.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.checkpoint.SafetensorsShards;
import dev.lumina.engine.model.EngineKind;
import dev.lumina.engine.model.Precision;
import dev.lumina.engine.pytorch.PyTorch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LlamaTextEncoder} beyond the dev set: GQA with an explicit head_dim and other eps/theta
 * against a naive Java forward and against the equivalent MHA model, F16/BF16 shards, and loading
 * through {@link TextEncoders}.
 */
class LlamaVariantsTest {

  private static final List<String> PROMPTS =
      List.of("A red cat sitting on a wooden chair.", "  two  spaces\tand a tab\n", "");

  @TempDir Path dir;

  @BeforeAll
  static void noGrad() {
    PyTorch.setGradMode(false);
  }

  /** hidden 24, 4 query heads of 10 (explicit head_dim), 2 kv heads, no {@code model.} prefix. */
  private static final LlamaConfig GQA =
      new LlamaConfig(656, 24, 2, 4, 2, 10, 40, 1e-6, 500000.0, 64);

  @Test
  void gqaMatchesANaiveForwardAndTheRepeatedKvMhaModel() throws Exception {
    Map<String, HostTensor> w = LlamaReference.random(GQA, new Random(5));
    Path gqa = dir.resolve("gqa");
    writeFolder(gqa, GQA, w, "", "F32");
    Path mha = dir.resolve("mha");
    LlamaConfig mhaConfig = new LlamaConfig(656, 24, 2, 4, 4, 10, 40, 1e-6, 500000.0, 64);
    writeFolder(mha, mhaConfig, LlamaReference.repeatKv(GQA, w), "model.", "F32");
    try (NDManager m = NDManager.newBaseManager();
        LlamaTextEncoder g = LlamaTextEncoder.load(gqa, m);
        LlamaTextEncoder h = LlamaTextEncoder.load(mha, m)) {
      assertThat(g.config()).isEqualTo(GQA);
      TokenBatch batch = g.tokenize(PROMPTS);
      float[] fromGqa = g.hiddenState(batch, -1, m).toFloatArray();
      float[] fromMha = h.hiddenState(batch, -1, m).toFloatArray();
      float[] naive = LlamaReference.forward(GQA, w, batch);
      double errMha = 0;
      double errNaive = 0;
      for (int i = 0; i < naive.length; i++) {
        errMha = Math.max(errMha, Math.abs(fromGqa[i] - fromMha[i]));
        errNaive = Math.max(errNaive, Math.abs(fromGqa[i] - naive[i]));
      }
      assertThat(errMha).isLessThan(1e-5);
      assertThat(errNaive).isLessThan(1e-4);
    }
  }

  @Test
  void theCompiledEncoderMatchesANaiveForwardWithGqaAndBf16HalvesItsWeights() throws Exception {
    Map<String, HostTensor> w = LlamaReference.random(GQA, new Random(6));
    Path gqa = dir.resolve("gqa-compiled");
    writeFolder(gqa, GQA, w, "", "F32");
    try (NDManager m = NDManager.newBaseManager();
        LlamaTextEncoder fp32 = LlamaTextEncoder.load(gqa, m);
        LlamaTextEncoder bf16 = LlamaTextEncoder.load(gqa, m)) {
      TokenBatch batch = fp32.tokenize(PROMPTS);
      float[] naive = LlamaReference.forward(GQA, w, batch);
      long eagerBytes = fp32.weightBytes();
      fp32.useEngine(EngineKind.COMPILED, Precision.FP32);
      bf16.useEngine(EngineKind.COMPILED, Precision.BF16);
      assertThat(fp32.engine()).isEqualTo(EngineKind.COMPILED);
      float[] compiled = fp32.hiddenState(batch, -1, m).toFloatArray();
      float[] low = bf16.hiddenState(batch, -1, m).toFloatArray();
      double err = 0;
      double errLow = 0;
      double scale = 0;
      for (int i = 0; i < naive.length; i++) {
        err = Math.max(err, Math.abs(compiled[i] - naive[i]));
        errLow = Math.max(errLow, Math.abs(low[i] - naive[i]));
        scale = Math.max(scale, Math.abs(naive[i]));
      }
      assertThat(err).isLessThan(1e-4);
      assertThat(errLow / scale).isGreaterThan(0).isLessThan(5e-2);
      // Only the token embedding and the norms stay float32.
      assertThat(bf16.weightBytes()).isLessThan(eagerBytes);
      assertThatThrownBy(() -> bf16.hiddenStates(batch, m))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("--dtype fp32");
    }
  }

  @Test
  void f16AndBf16ShardsLoadCloseToTheF32Reference() throws Exception {
    Path src = HfFolders.set().resolve("text_encoder");
    Map<String, HostTensor> ref = HfFolders.read(HfFolders.set().resolve("outputs.safetensors"));
    List<String> prompts =
        HfFolders.prompts(HfFolders.read(HfFolders.set().resolve("inputs.safetensors")));
    for (String dtype : List.of("F16", "BF16")) {
      Path copy = dir.resolve(dtype);
      HfFolders.copyTokenizer(copy);
      Files.copy(src.resolve("config.json"), copy.resolve("config.json"));
      Files.copy(
          src.resolve(SafetensorsShards.INDEX_FILE), copy.resolve(SafetensorsShards.INDEX_FILE));
      for (String shard :
          List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors")) {
        HfFolders.write(copy.resolve(shard), HfFolders.read(src.resolve(shard)), dtype);
      }
      try (NDManager m = NDManager.newBaseManager();
          LlamaTextEncoder e = LlamaTextEncoder.load(copy, m);
          EncodedText out = e.encode(prompts, m)) {
        double err = HfFolders.maxError(out.features(), ref.get("last_hidden_state"));
        assertThat(err).as(dtype).isLessThan(dtype.equals("F16") ? 1e-2 : 6e-2).isPositive();
      }
    }
  }

  @Test
  void textEncodersLoadsTheTextEncoderSubfolderOfAModelDirectory() throws Exception {
    Path model = dir.resolve("model");
    Path te = model.resolve(TextEncoders.HF_SUBFOLDER);
    writeFolder(te, GQA, LlamaReference.random(GQA, new Random(9)), "model.", "F32");
    assertThat(TextEncoders.isHfLlama(te)).isTrue();
    assertThat(TextEncoders.isHfLlama(model)).isFalse();
    try (NDManager m = NDManager.newBaseManager();
        TextEncoder e = TextEncoders.load(model, m);
        EncodedText out = e.encode(List.of("a cat", ""), m)) {
      assertThat(e).isInstanceOf(LlamaTextEncoder.class);
      assertThat(out.features().getShape().getShape()).containsExactly(2, out.tokens(), 24);
      assertThat(out.mask().toFloatArray()).endsWith(1, 1, 0, 0, 0);
    }
    try (NDManager m = NDManager.newBaseManager();
        TextEncoder e = TextEncoders.load(te, m)) {
      assertThat(e.featureDim()).isEqualTo(24);
    }
    Files.createDirectories(dir.resolve("empty"));
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> TextEncoders.load(dir.resolve("empty"), m))
          .isInstanceOf(NoSuchFileException.class);
    }
  }

  @Test
  void missingTensorIsNamed() throws Exception {
    Map<String, HostTensor> w = LlamaReference.random(GQA, new Random(1));
    w.remove("layers.1.mlp.up_proj.weight");
    writeFolder(dir.resolve("broken"), GQA, w, "model.", "F32");
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> LlamaTextEncoder.load(dir.resolve("broken"), m))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("model.layers.1.mlp.up_proj.weight");
    }
  }

  private static void writeFolder(
      Path folder, LlamaConfig c, Map<String, HostTensor> w, String prefix, String dtype)
      throws Exception {
    HfFolders.copyTokenizer(folder);
    JsonObject j = new JsonObject();
    j.addProperty("model_type", "llama");
    j.addProperty("hidden_act", "silu");
    j.addProperty("vocab_size", c.vocabSize());
    j.addProperty("hidden_size", c.hiddenSize());
    j.addProperty("num_hidden_layers", c.layers());
    j.addProperty("num_attention_heads", c.heads());
    j.addProperty("num_key_value_heads", c.kvHeads());
    j.addProperty("head_dim", c.headDim());
    j.addProperty("intermediate_size", c.intermediateSize());
    j.addProperty("rms_norm_eps", c.rmsNormEps());
    JsonObject rope = new JsonObject();
    rope.addProperty("rope_type", "default");
    rope.addProperty("rope_theta", c.ropeTheta());
    j.add("rope_parameters", rope);
    j.addProperty("max_position_embeddings", c.maxPositions());
    Files.writeString(folder.resolve("config.json"), j.toString(), StandardCharsets.UTF_8);
    Map<String, HostTensor> named = new LinkedHashMap<>();
    w.forEach((k, v) -> named.put(prefix + k, v));
    named.put("lm_head.weight", w.get("embed_tokens.weight"));
    HfFolders.write(folder.resolve("model.safetensors"), named, dtype);
  }
}

package dev.lumina.engine.text;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.checkpoint.SafetensorsFile;
import dev.lumina.engine.checkpoint.TensorDType;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Test access to the LLaMA reference vectors and writers of small HF LLaMA folders. */
final class HfFolders {

  static final String SET = "llama-text-encoder-dev";

  private HfFolders() {}

  /** The reference vector set (inputs/outputs.safetensors and text_encoder/). */
  static Path set() {
    try {
      return Path.of(HfFolders.class.getResource("/parity/" + SET + "/inputs.safetensors").toURI())
          .getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, HostTensor> read(Path file) {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      return f.readAll();
    }
  }

  /** The prompts of {@code inputs.safetensors}, decoded from {@code prompt_utf8}. */
  static List<String> prompts(Map<String, HostTensor> inputs) {
    HostTensor bytes = inputs.get("prompt_utf8");
    HostTensor lens = inputs.get("prompt_utf8_len");
    int width = (int) bytes.shape()[1];
    List<String> out = new ArrayList<>();
    for (int i = 0; i < lens.data().length; i++) {
      byte[] b = new byte[(int) lens.data()[i]];
      for (int j = 0; j < b.length; j++) {
        b[j] = (byte) (int) bytes.data()[i * width + j];
      }
      out.add(new String(b, StandardCharsets.UTF_8));
    }
    return out;
  }

  /** Largest |actual - expected| over all elements; asserts equal shapes. */
  static double maxError(NDArray actual, HostTensor expected) {
    assertThat(actual.getShape().getShape()).containsExactly(expected.shape());
    float[] a = actual.toFloatArray();
    double err = 0;
    for (int i = 0; i < a.length; i++) {
      err = Math.max(err, Math.abs((double) a[i] - expected.data()[i]));
    }
    return err;
  }

  /** {@code 1e-4 · max(1, max|ref|)}. */
  static double tolerance(HostTensor expected) {
    double max = 0;
    for (float v : expected.data()) {
      max = Math.max(max, Math.abs(v));
    }
    return 1e-4 * Math.max(1, max);
  }

  /** Writes a safetensors file whose tensors are all stored as {@code dtype} (F32, F16, BF16). */
  static void write(Path file, Map<String, HostTensor> tensors, String dtype) throws IOException {
    int width = dtype.equals("F32") ? 4 : 2;
    JsonObject header = new JsonObject();
    JsonObject md = new JsonObject();
    md.addProperty("format", "pt");
    header.add("__metadata__", md);
    long offset = 0;
    for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
      JsonObject t = new JsonObject();
      t.addProperty("dtype", dtype);
      JsonArray shape = new JsonArray();
      for (long d : e.getValue().shape()) {
        shape.add(d);
      }
      t.add("shape", shape);
      JsonArray off = new JsonArray();
      off.add(offset);
      offset += e.getValue().size() * width;
      off.add(offset);
      t.add("data_offsets", off);
      header.add(e.getKey(), t);
    }
    byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = ByteBuffer.allocate((int) (8 + json.length + offset));
    buf.order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json);
    for (HostTensor t : tensors.values()) {
      for (float v : t.data()) {
        switch (dtype) {
          case "F32" -> buf.putFloat(v);
          case "F16" -> buf.putShort(TensorDType.floatToHalf(v));
          case "BF16" -> buf.putShort((short) (Float.floatToRawIntBits(v) >>> 16));
          default -> throw new IllegalArgumentException(dtype);
        }
      }
    }
    Files.write(file, buf.array());
  }

  /** Copies the tokenizer files of the reference set into {@code dir}. */
  static void copyTokenizer(Path dir) throws IOException {
    Path src = set().resolve("text_encoder");
    Files.createDirectories(dir);
    for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) {
      Files.copy(src.resolve(f), dir.resolve(f));
    }
  }
}

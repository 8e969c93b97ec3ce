package dev.lumina.engine.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

  @TempDir Path tmp;

  private static HostTensor ramp(long... shape) {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    float[] d = new float[(int) n];
    for (int i = 0; i < d.length; i++) {
      d[i] = i * 0.5f - 3f;
    }
    return new HostTensor(shape, d);
  }

  @Test
  void twoTensorParallelShardsLoadEqualToTheMergedFile() {
    Map<String, HostTensor> full = new LinkedHashMap<>();
    full.put("layers.0.attention.wq.weight", ramp(8, 6));
    full.put("layers.0.attention.wo.weight", ramp(6, 8));
    full.put("layers.0.attention.gate", ramp(4));
    full.put("t_embedder.mlp.2.weight", ramp(4, 6));
    full.put("t_embedder.mlp.2.bias", ramp(4));
    full.put("eol_token", ramp(6));
    SafetensorsWriter.write(tmp.resolve("merged/model.safetensors"), full, Map.of("dim", "6"));
    for (int r = 0; r < 2; r++) {
      Map<String, HostTensor> shard = new LinkedHashMap<>();
      for (var e : full.entrySet()) {
        shard.put(e.getKey(), TensorParallelMerge.split(e.getKey(), e.getValue(), 2)[r]);
      }
      SafetensorsWriter.write(
          tmp.resolve("tp/consolidated.0" + r + "-of-02.safetensors"), shard, Map.of("dim", "6"));
    }
    Checkpoint merged = Checkpoint.load(tmp.resolve("merged"));
    Checkpoint tp = Checkpoint.load(tmp.resolve("tp"));
    assertThat(tp.tensors()).isEqualTo(merged.tensors()).isEqualTo(full);
    assertThat(tp.metadata().integer("dim")).contains(6);
    assertThat(
            Checkpoint.load(tmp.resolve("tp/consolidated.00-of-02.safetensors"))
                .tensors()
                .get("layers.0.attention.wo.weight")
                .shape())
        .containsExactly(6, 4);
  }

  @Test
  void missingShardIsNamed() throws IOException {
    SafetensorsWriter.write(
        tmp.resolve("consolidated.00-of-02.safetensors"), Map.of("eol_token", ramp(2)), Map.of());
    assertThatThrownBy(() -> Checkpoint.load(tmp))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("consolidated.01-of-02.safetensors");
  }

  @Test
  void bf16AndF16AreWidenedToF32() throws IOException {
    float[] values = {1f, -2.5f, 0.15625f, 65504f, 3.0517578e-05f, 0f};
    ByteBuffer bf = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer hf = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      bf.putShort((short) (Float.floatToIntBits(v) >>> 16));
      hf.putShort(TensorDType.floatToHalf(v));
    }
    Path file = tmp.resolve("mixed.safetensors");
    writeRaw(
        file,
        new String[] {"b", "h"},
        new String[] {"BF16", "F16"},
        bf.array(),
        hf.array(),
        values.length);
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      assertThat(f.read("h").data()).containsExactly(values);
      float[] b = f.read("b").data();
      for (int i = 0; i < values.length; i++) {
        assertThat(b[i])
            .isEqualTo(Float.intBitsToFloat(Float.floatToIntBits(values[i]) & 0xffff0000));
      }
    }
  }

  @Test
  void truncatedDataSectionNamesTheTensor() throws IOException {
    Path file = tmp.resolve("bad.safetensors");
    writeRaw(file, new String[] {"w"}, new String[] {"F32"}, new byte[8], null, 4);
    assertThatThrownBy(() -> SafetensorsFile.open(file))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("'w'");
  }

  private static void writeRaw(
      Path file, String[] names, String[] dtypes, byte[] a, byte[] b, int n) throws IOException {
    JsonObject h = new JsonObject();
    long off = 0;
    byte[][] data = {a, b};
    for (int i = 0; i < names.length; i++) {
      JsonObject t = new JsonObject();
      t.addProperty("dtype", dtypes[i]);
      com.google.gson.JsonArray shape = new com.google.gson.JsonArray();
      shape.add(n);
      t.add("shape", shape);
      com.google.gson.JsonArray o = new com.google.gson.JsonArray();
      long len = (long) n * (dtypes[i].equals("F32") ? 4 : 2);
      o.add(off);
      o.add(off + len);
      off += len;
      t.add("data_offsets", o);
      h.add(names[i], t);
    }
    byte[] json = h.toString().getBytes(StandardCharsets.UTF_8);
    ByteBuffer out =
        ByteBuffer.allocate(8 + json.length + a.length + (b == null ? 0 : b.length))
            .order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(json.length).put(json).put(a);
    if (b != null) {
      out.put(data[1]);
    }
    Files.write(file, out.array());
  }
}

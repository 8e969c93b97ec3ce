package dev.lumina.engine.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes float32 safetensors files (the format {@link SafetensorsFile} reads): tensors in the given
 * map order, the header padded with spaces to a multiple of 8 bytes, metadata values stored as
 * given (callers JSON-encode them, e.g. {@code "64"}, {@code "true"}, {@code "\"F32\""}). Stateless
 * and thread-safe; writes to a temporary file first and moves it into place.
 */
public final class SafetensorsWriter {

  private SafetensorsWriter() {}

  /** Writes DJL arrays (float32 or castable to it), e.g. a model's {@code parameters()}. */
  public static void writeArrays(
      Path file, Map<String, NDArray> tensors, Map<String, String> metadata) {
    Map<String, HostTensor> host = new LinkedHashMap<>();
    for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
      NDArray a = e.getValue();
      float[] data = a.getDataType() == DataType.FLOAT32 ? a.toFloatArray() : castToFloat(a);
      host.put(e.getKey(), new HostTensor(a.getShape().getShape(), data));
    }
    write(file, host, metadata);
  }

  private static float[] castToFloat(NDArray a) {
    try (NDArray f = a.toType(DataType.FLOAT32, true)) {
      return f.toFloatArray();
    }
  }

  /** Writes host tensors. */
  public static void write(
      Path file, Map<String, HostTensor> tensors, Map<String, String> metadata) {
    JsonObject header = new JsonObject();
    if (!metadata.isEmpty()) {
      JsonObject md = new JsonObject();
      metadata.forEach(md::addProperty);
      header.add("__metadata__", md);
    }
    long offset = 0;
    for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
      if (e.getKey().equals("__metadata__") || e.getKey().isEmpty()) {
        throw new IllegalArgumentException("tensor name '" + e.getKey() + "' is reserved");
      }
      JsonObject t = new JsonObject();
      t.addProperty("dtype", "F32");
      JsonArray shape = new JsonArray();
      for (long d : e.getValue().shape()) {
        shape.add(d);
      }
      t.add("shape", shape);
      JsonArray off = new JsonArray();
      long len = e.getValue().size() * 4L;
      off.add(offset);
      off.add(offset + len);
      t.add("data_offsets", off);
      header.add(e.getKey(), t);
      offset += len;
    }
    byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        out.write(len.array());
        out.write(json);
        for (int i = json.length; i < padded; i++) {
          out.write(' ');
        }
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (HostTensor t : tensors.values()) {
          for (float f : t.data()) {
            if (!buf.hasRemaining()) {
              out.write(buf.array(), 0, buf.position());
              buf.clear();
            }
            buf.putFloat(f);
          }
        }
        out.write(buf.array(), 0, buf.position());
      }
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + file, e);
    }
  }
}

package dev.lumina.engine.checkpoint;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors file opened for reading: an 8-byte little-endian header length, a JSON header
 * ({@code name → {dtype, shape, data_offsets}} plus an optional {@code __metadata__} string map)
 * and a raw data section. Each tensor's bytes are memory-mapped on demand, so files of any size are
 * read without one giant buffer.
 *
 * <p>Not thread-safe for concurrent {@link #close}; concurrent {@link #read} calls are safe.
 */
public final class SafetensorsFile implements AutoCloseable {

  /** Header entry of one tensor. */
  public record Entry(String name, TensorDType dtype, long[] shape, long begin, long end) {
    public Entry {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }
  }

  private static final long MAX_HEADER = 100L << 20;

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, Entry> entries;
  private final Map<String, String> metadata;

  private SafetensorsFile(
      Path path,
      FileChannel channel,
      long dataStart,
      Map<String, Entry> entries,
      Map<String, String> metadata) {
    this.path = path;
    this.channel = channel;
    this.dataStart = dataStart;
    this.entries = entries;
    this.metadata = metadata;
  }

  /** Opens and validates the header of {@code path}; throws {@link CheckpointFormatException}. */
  public static SafetensorsFile open(Path path) {
    FileChannel ch;
    try {
      ch = FileChannel.open(path, StandardOpenOption.READ);
    } catch (IOException e) {
      throw new CheckpointFormatException("cannot open " + path + ": " + e.getMessage(), e);
    }
    try {
      long fileSize = ch.size();
      if (fileSize < 8) {
        throw new CheckpointFormatException(path + ": too short for a safetensors header");
      }
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, lenBuf, 0);
      long headerLen = lenBuf.getLong(0);
      if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > fileSize) {
        throw new CheckpointFormatException(
            path
                + ": header length "
                + headerLen
                + " is out of range (file "
                + fileSize
                + " bytes)");
      }
      ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
      readFully(ch, hb, 8);
      String json = new String(hb.array(), StandardCharsets.UTF_8);
      JsonObject root = JsonParser.parseString(json).getAsJsonObject();
      long dataStart = 8 + headerLen;
      long dataSize = fileSize - dataStart;
      Map<String, Entry> entries = new LinkedHashMap<>();
      Map<String, String> metadata = new LinkedHashMap<>();
      for (Map.Entry<String, JsonElement> e : root.entrySet()) {
        if (e.getKey().equals("__metadata__")) {
          for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
            metadata.put(m.getKey(), m.getValue().getAsString());
          }
          continue;
        }
        entries.put(
            e.getKey(), parseEntry(path, e.getKey(), e.getValue().getAsJsonObject(), dataSize));
      }
      return new SafetensorsFile(
          path,
          ch,
          dataStart,
          Collections.unmodifiableMap(entries),
          Collections.unmodifiableMap(metadata));
    } catch (IOException | RuntimeException e) {
      try {
        ch.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      if (e instanceof CheckpointFormatException cfe) {
        throw cfe;
      }
      throw new CheckpointFormatException(
          path + ": malformed safetensors header: " + e.getMessage(), e);
    }
  }

  private static Entry parseEntry(Path path, String name, JsonObject o, long dataSize) {
    TensorDType dtype = TensorDType.parse(o.get("dtype").getAsString(), name);
    var shapeJson = o.getAsJsonArray("shape");
    long[] shape = new long[shapeJson.size()];
    long n = 1;
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shapeJson.get(i).getAsLong();
      n *= shape[i];
    }
    var off = o.getAsJsonArray("data_offsets");
    long begin = off.get(0).getAsLong();
    long end = off.get(1).getAsLong();
    if (begin < 0 || end < begin || end > dataSize || end - begin != n * dtype.bytes()) {
      throw new CheckpointFormatException(
          path
              + ": tensor '"
              + name
              + "' has data_offsets ["
              + begin
              + ", "
              + end
              + "] that do not fit shape "
              + Arrays.toString(shape)
              + " "
              + dtype
              + " in a data section of "
              + dataSize
              + " bytes");
    }
    return new Entry(name, dtype, shape, begin, end);
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      int r = ch.read(buf, pos + buf.position());
      if (r < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  public Path path() {
    return path;
  }

  /** Tensor entries in header order. */
  public Map<String, Entry> entries() {
    return entries;
  }

  public Set<String> names() {
    return entries.keySet();
  }

  /** The raw {@code __metadata__} strings (values are often JSON-encoded: see {@link Metadata}). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** Reads one tensor widened to float32. */
  public HostTensor read(String name) {
    Entry e = entries.get(name);
    if (e == null) {
      throw new CheckpointFormatException(path + ": no tensor named '" + name + "'");
    }
    long elements = (e.end() - e.begin()) / e.dtype().bytes();
    if (elements > Integer.MAX_VALUE - 8) {
      throw new CheckpointFormatException(
          path
              + ": tensor '"
              + name
              + "' has "
              + elements
              + " elements; the limit per tensor is "
              + (Integer.MAX_VALUE - 8));
    }
    float[] out = new float[(int) elements];
    try {
      if (elements > 0) {
        MappedByteBuffer m =
            channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), e.end() - e.begin());
        e.dtype().decode(m, out);
      }
    } catch (IOException ex) {
      throw new UncheckedIOException(path + ": reading tensor '" + name + "'", ex);
    }
    return new HostTensor(e.shape(), out);
  }

  /** Reads every tensor (header order). */
  public Map<String, HostTensor> readAll() {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (String n : entries.keySet()) {
      out.put(n, read(n));
    }
    return out;
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

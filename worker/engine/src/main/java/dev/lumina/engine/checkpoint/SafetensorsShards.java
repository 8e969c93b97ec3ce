package dev.lumina.engine.checkpoint;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The safetensors weights of a Hugging Face model folder, one tensor at a time: either sharded
 * ({@value #INDEX_FILE} maps every tensor name to its shard, and one layer may span two shards) or
 * a single {@value #SINGLE_FILE}. Shards are opened lazily and kept open until {@link #close};
 * {@link #read} widens F16/BF16 to float32 per tensor, so a caller that uploads and drops each
 * tensor never holds more than one in the Java heap.
 *
 * <p>Not thread-safe.
 */
public final class SafetensorsShards implements AutoCloseable {

  /** The shard index of a sharded checkpoint. */
  public static final String INDEX_FILE = "model.safetensors.index.json";

  /** The weights file of an unsharded checkpoint. */
  public static final String SINGLE_FILE = "model.safetensors";

  private final Path dir;
  private final Map<String, String> shardOf;
  private final Map<String, SafetensorsFile> open = new LinkedHashMap<>();

  private SafetensorsShards(Path dir, Map<String, String> shardOf) {
    this.dir = dir;
    this.shardOf = Collections.unmodifiableMap(shardOf);
  }

  /**
   * Opens the weights in {@code dir}: the index when present, else {@value #SINGLE_FILE}, else the
   * folder's only {@code *.safetensors} file.
   *
   * @throws IOException if no weights are found or the index is unreadable
   */
  public static SafetensorsShards open(Path dir) throws IOException {
    Path index = dir.resolve(INDEX_FILE);
    Map<String, String> shardOf = new LinkedHashMap<>();
    if (Files.isRegularFile(index)) {
      try (Reader r = Files.newBufferedReader(index, StandardCharsets.UTF_8)) {
        JsonObject root = JsonParser.parseReader(r).getAsJsonObject();
        if (!root.has("weight_map") || !root.get("weight_map").isJsonObject()) {
          throw new CheckpointFormatException(index + ": no \"weight_map\" object");
        }
        for (Map.Entry<String, JsonElement> e : root.getAsJsonObject("weight_map").entrySet()) {
          String shard = e.getValue().getAsString();
          if (shard.contains("/") || shard.contains("\\") || shard.startsWith(".")) {
            throw new CheckpointFormatException(index + ": shard name '" + shard + "' is a path");
          }
          shardOf.put(e.getKey(), shard);
        }
      }
      return new SafetensorsShards(dir, shardOf);
    }
    Path single = dir.resolve(SINGLE_FILE);
    if (!Files.isRegularFile(single)) {
      List<Path> candidates = new ArrayList<>();
      try (Stream<Path> files = Files.list(dir)) {
        files
            .filter(p -> p.getFileName().toString().endsWith(".safetensors"))
            .forEach(candidates::add);
      }
      if (candidates.size() != 1) {
        throw new NoSuchFileException(
            single.toString(),
            null,
            "no " + INDEX_FILE + " and not exactly one *.safetensors file in " + dir);
      }
      single = candidates.get(0);
    }
    try (SafetensorsFile f = SafetensorsFile.open(single)) {
      String name = single.getFileName().toString();
      for (String t : f.names()) {
        shardOf.put(t, name);
      }
    }
    return new SafetensorsShards(dir, shardOf);
  }

  /** Every tensor name, in index (or header) order. */
  public Set<String> names() {
    return shardOf.keySet();
  }

  /** Whether a tensor named {@code name} exists. */
  public boolean contains(String name) {
    return shardOf.containsKey(name);
  }

  /** The header entry of {@code name} (dtype, shape) without reading its data. */
  public SafetensorsFile.Entry entry(String name) {
    SafetensorsFile.Entry e = shard(name).entries().get(name);
    if (e == null) {
      throw new CheckpointFormatException(
          dir.resolve(shardOf.get(name))
              + ": the index names '"
              + name
              + "' but the shard lacks it");
    }
    return e;
  }

  /** Reads one tensor widened to float32. */
  public HostTensor read(String name) {
    entry(name);
    return shard(name).read(name);
  }

  private SafetensorsFile shard(String name) {
    String file = shardOf.get(name);
    if (file == null) {
      throw new CheckpointFormatException(dir + ": no tensor named '" + name + "'");
    }
    return open.computeIfAbsent(file, f -> SafetensorsFile.open(dir.resolve(f)));
  }

  @Override
  public void close() {
    RuntimeException failure = null;
    for (SafetensorsFile f : open.values()) {
      try {
        f.close();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    open.clear();
    if (failure != null) {
      throw failure;
    }
  }
}

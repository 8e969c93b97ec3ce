package dev.lumina.engine.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A whole checkpoint in host memory: float32 tensors by official key name plus the {@code
 * __metadata__} of its first file. Immutable once loaded; thread-safe.
 *
 * <p>{@link #load(Path)} accepts a single {@code .safetensors} file, a directory holding {@code
 * model.safetensors}, or a directory holding tensor-parallel shards {@code
 * consolidated.RR-of-WW.safetensors} (all ranks present), merged by {@link TensorParallelMerge}.
 */
public record Checkpoint(Map<String, HostTensor> tensors, Metadata metadata) {

  private static final Pattern SHARD =
      Pattern.compile("consolidated(_ema)?\\.(\\d{2})-of-(\\d{2})\\.safetensors");

  public Checkpoint {
    tensors = Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tensors));
  }

  /** Loads a checkpoint file or directory; throws {@link CheckpointFormatException}. */
  public static Checkpoint load(Path fileOrDir) {
    if (Files.isRegularFile(fileOrDir)) {
      return loadFile(fileOrDir);
    }
    if (!Files.isDirectory(fileOrDir)) {
      throw new CheckpointFormatException("checkpoint path " + fileOrDir + " does not exist");
    }
    Path single = fileOrDir.resolve("model.safetensors");
    if (Files.isRegularFile(single)) {
      return loadFile(single);
    }
    Map<Integer, Path> shards = new TreeMap<>();
    int world = -1;
    try (Stream<Path> files = Files.list(fileOrDir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Matcher m = SHARD.matcher(p.getFileName().toString());
        if (m.matches() && m.group(1) == null) {
          int w = Integer.parseInt(m.group(3));
          if (world >= 0 && w != world) {
            throw new CheckpointFormatException(
                fileOrDir + ": shards disagree on world size (" + world + " vs " + w + ")");
          }
          world = w;
          shards.put(Integer.parseInt(m.group(2)), p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (world < 1) {
      throw new CheckpointFormatException(
          fileOrDir
              + " holds neither model.safetensors nor consolidated.RR-of-WW.safetensors shards");
    }
    for (int r = 0; r < world; r++) {
      if (!shards.containsKey(r)) {
        throw new CheckpointFormatException(
            fileOrDir
                + ": shard "
                + String.format("consolidated.%02d-of-%02d.safetensors", r, world)
                + " is missing");
      }
    }
    List<Checkpoint> parts = new ArrayList<>();
    for (Path p : shards.values()) {
      parts.add(loadFile(p));
    }
    return new Checkpoint(TensorParallelMerge.merge(parts), parts.get(0).metadata());
  }

  /**
   * The one file {@link #load} would read for {@code fileOrDir} when it is not split into several
   * tensor-parallel shards: the file itself, {@code model.safetensors}, or a single {@code
   * consolidated.00-of-01.safetensors}; empty otherwise.
   */
  public static Optional<Path> singleFile(Path fileOrDir) {
    if (Files.isRegularFile(fileOrDir)) {
      return Optional.of(fileOrDir);
    }
    Path single = fileOrDir.resolve("model.safetensors");
    if (Files.isRegularFile(single)) {
      return Optional.of(single);
    }
    Path release = fileOrDir.resolve("consolidated.00-of-01.safetensors");
    return Files.isRegularFile(release) ? Optional.of(release) : Optional.empty();
  }

  private static Checkpoint loadFile(Path file) {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      return new Checkpoint(f.readAll(), new Metadata(f.metadata()));
    }
  }

  /** Shapes by key. */
  public Map<String, long[]> shapes() {
    Map<String, long[]> out = new java.util.LinkedHashMap<>();
    tensors.forEach((k, v) -> out.put(k, v.shape()));
    return out;
  }
}

package dev.lumina.worker;

import dev.lumina.proto.v1.Artifact;
import java.util.List;

/**
 * What a finished job produced.
 *
 * @param artifacts the stored outputs, one per frame / view / image / audio clip, in index order
 * @param seed the seed of the starting noise actually used
 * @param modelMs text encoding + sampling time
 * @param decodeMs decoding to pixels/samples, encoding, artifact writes
 * @param steps sampling steps run
 * @param textMs the text encoding part of {@code modelMs}
 */
public record JobResult(
    List<Artifact> artifacts, long seed, long modelMs, long decodeMs, int steps, long textMs) {
  public JobResult {
    artifacts = List.copyOf(artifacts);
    if (modelMs < 0 || decodeMs < 0 || textMs < 0 || textMs > modelMs) {
      throw new IllegalArgumentException(
          "timings must be >= 0 and text_ms <= model_ms, got model_ms="
              + modelMs
              + " decode_ms="
              + decodeMs
              + " text_ms="
              + textMs);
    }
    if (steps < 0) {
      throw new IllegalArgumentException("steps must be >= 0, got " + steps);
    }
  }

  /** A result whose executor does not time text encoding apart. */
  public JobResult(List<Artifact> artifacts, long seed, long modelMs, long decodeMs, int steps) {
    this(artifacts, seed, modelMs, decodeMs, steps, 0);
  }
}

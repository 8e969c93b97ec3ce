package dev.lumina.engine;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Caption features by the prompts they encode (prompt, or prompt and negative prompt), least
 * recently used first out once their floats pass a byte bound: a served model sees the same prompts
 * and the same empty negative prompt again and again, and a large text encoder costs a full forward
 * per prompt. Thread-safe.
 */
final class CaptionCache {
  /** One encoded batch of prompts, on the host. */
  record Entry(long[] featureShape, float[] features, long[] maskShape, float[] mask) {
    long bytes() {
      return 4L * (features.length + mask.length);
    }
  }

  private final long maxBytes;
  private final LinkedHashMap<List<String>, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;
  private long hits;
  private long misses;

  /** A cache holding at most {@code maxBytes} of features; 0 keeps nothing. */
  CaptionCache(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must be >= 0, got " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  synchronized Optional<Entry> get(List<String> prompts) {
    Entry e = entries.get(prompts);
    if (e == null) {
      misses++;
      return Optional.empty();
    }
    hits++;
    return Optional.of(e);
  }

  synchronized void put(List<String> prompts, Entry e) {
    if (e.bytes() > maxBytes) {
      return;
    }
    Entry old = entries.put(List.copyOf(prompts), e);
    bytes += e.bytes() - (old == null ? 0 : old.bytes());
    for (Iterator<Map.Entry<List<String>, Entry>> it = entries.entrySet().iterator();
        bytes > maxBytes && it.hasNext(); ) {
      bytes -= it.next().getValue().bytes();
      it.remove();
    }
  }

  synchronized long bytes() {
    return bytes;
  }

  synchronized long hits() {
    return hits;
  }

  synchronized long misses() {
    return misses;
  }
}

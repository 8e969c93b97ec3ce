package dev.lumina.scheduler;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The slots of the workers serving each work topic, as their RUNNING events announce them ({@code
 * JobEvent.worker_slots}): a worker counts for a topic from a job of that topic it started until
 * {@code ttlMs} after the last one, so a worker that left stops counting without anyone saying so;
 * one announcement counts for at most {@link #MAX_SLOTS}. Time is an argument.
 *
 * <p>Not thread-safe: owned by the scheduler's single thread.
 */
final class WorkerSlots {
  /** Most slots one worker's announcement counts for. */
  static final int MAX_SLOTS = 1024;

  private record Seen(int slots, long atMs) {}

  private final long ttlMs;

  /** Work topic to worker id to its last announcement. */
  private final Map<String, Map<String, Seen>> byTopic = new HashMap<>();

  WorkerSlots(long ttlMs) {
    if (ttlMs < 1) {
      throw new IllegalArgumentException("worker slots ttl must be >= 1 ms, got " + ttlMs);
    }
    this.ttlMs = ttlMs;
  }

  /** {@code worker} started a job of {@code topic} and holds {@code slots} jobs at once. */
  void seen(String topic, String worker, int slots, long nowMs) {
    if (worker.isEmpty() || slots < 1) {
      return;
    }
    byTopic
        .computeIfAbsent(topic, t -> new HashMap<>())
        .put(worker, new Seen(Math.min(MAX_SLOTS, slots), nowMs));
  }

  /** The slots of the workers seen on {@code topic} within the ttl; forgets the others. */
  int total(String topic, long nowMs) {
    Map<String, Seen> workers = byTopic.get(topic);
    if (workers == null) {
      return 0;
    }
    int sum = 0;
    for (Iterator<Seen> it = workers.values().iterator(); it.hasNext(); ) {
      Seen s = it.next();
      if (nowMs - s.atMs() > ttlMs) {
        it.remove();
      } else {
        sum += s.slots();
      }
    }
    if (workers.isEmpty()) {
      byTopic.remove(topic);
    }
    return sum;
  }
}

package dev.lumina.worker;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Which offset of each partition may be committed while several of its jobs run at once and end in
 * any order: the lowest offset still running (every record before it has ended and been recorded),
 * or one past the highest ended when none runs — never past a job whose terminal event did not
 * become durable, until that record has been started again.
 *
 * <p>Not thread-safe: used on the work loop's thread only.
 */
final class RunningOffsets {
  private final Map<TopicPartition, TreeSet<Long>> running = new HashMap<>();
  private final Map<TopicPartition, Long> ended = new HashMap<>();
  private final Map<TopicPartition, Long> floor = new HashMap<>();

  private static TopicPartition tp(ConsumerRecord<?, ?> r) {
    return new TopicPartition(r.topic(), r.partition());
  }

  /** {@code r}'s job has started. */
  void started(ConsumerRecord<?, ?> r) {
    TopicPartition tp = tp(r);
    running.computeIfAbsent(tp, k -> new TreeSet<>()).add(r.offset());
    Long f = floor.get(tp);
    if (f != null && r.offset() <= f) {
      // The job that could not be recorded runs again: it holds the commits back from here.
      floor.remove(tp);
    }
  }

  /** {@code r}'s job has ended and its terminal event is durable. */
  void finished(ConsumerRecord<?, ?> r) {
    TopicPartition tp = tp(r);
    TreeSet<Long> set = running.get(tp);
    if (set != null) {
      set.remove(r.offset());
    }
    ended.merge(tp, r.offset(), Math::max);
  }

  /** {@code r}'s job ended but its terminal event did not become durable: it is to run again. */
  void failed(ConsumerRecord<?, ?> r) {
    TopicPartition tp = tp(r);
    TreeSet<Long> set = running.get(tp);
    if (set != null) {
      set.remove(r.offset());
    }
    floor.merge(tp, r.offset(), Math::min);
  }

  /** The offset of {@code tp} that may be committed now (the next one to read). */
  long committable(TopicPartition tp) {
    TreeSet<Long> set = running.get(tp);
    long next = set != null && !set.isEmpty() ? set.first() : ended.getOrDefault(tp, -1L) + 1;
    Long f = floor.get(tp);
    return f == null ? next : Math.min(next, f);
  }

  /** Forgets partitions taken away. */
  void forget(Collection<TopicPartition> partitions) {
    running.keySet().removeAll(partitions);
    ended.keySet().removeAll(partitions);
    floor.keySet().removeAll(partitions);
  }
}

package dev.lumina.worker;

import dev.lumina.proto.LogThrottle;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The next offsets of finished jobs, per partition, until Kafka has them. A commit that meets a
 * rebalance in progress (or another retriable error) stays due and is tried again after the next
 * {@code poll()}; a commit refused because the partition moved to another worker is dropped (that
 * worker may run the job again, which job-id idempotency makes harmless); offsets of partitions no
 * longer assigned are dropped for the same reason. No commit failure escapes except a wakeup or an
 * interrupt, so a commit never ends the work loop.
 *
 * <p>Not thread-safe: used on the work loop's thread only.
 */
final class OffsetCommits {
  private static final Logger LOG = LoggerFactory.getLogger(OffsetCommits.class);

  /** The synchronous commit; {@code KafkaConsumer::commitSync} in production. */
  @FunctionalInterface
  interface Committer {
    void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets);
  }

  private final Committer committer;
  private final LogThrottle rebalanceLog = new LogThrottle(Duration.ofSeconds(5));
  private final Map<TopicPartition, Long> due = new HashMap<>();

  OffsetCommits(Committer committer) {
    this.committer = committer;
  }

  /** Records that {@code next} is the partition's next offset to read (a lower one never wins). */
  void add(TopicPartition tp, long next) {
    due.merge(tp, next, Math::max);
  }

  /** True when no offset is waiting to be committed. */
  boolean isEmpty() {
    return due.isEmpty();
  }

  /** The offsets still waiting, a copy. */
  Map<TopicPartition, Long> due() {
    return Map.copyOf(due);
  }

  /** Drops the offsets of partitions taken away without a chance to commit. */
  void forget(Collection<TopicPartition> partitions) {
    due.keySet().removeAll(partitions);
  }

  /**
   * Commits every due offset of a partition in {@code assigned} and drops the rest.
   *
   * @return true when nothing is left due; false when the commit is to be tried again after the
   *     next poll
   * @throws WakeupException when the consumer was woken (the loop is stopping)
   * @throws InterruptException when the thread was interrupted
   */
  boolean flush(Set<TopicPartition> assigned) {
    if (due.keySet().retainAll(assigned)) {
      LOG.info(
          "offsets of partitions no longer assigned not committed; their jobs may run again"
              + " elsewhere");
    }
    if (due.isEmpty()) {
      return true;
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    due.forEach((tp, next) -> offsets.put(tp, new OffsetAndMetadata(next)));
    try {
      committer.commitSync(offsets);
      due.clear();
      return true;
    } catch (WakeupException | InterruptException e) {
      throw e;
    } catch (RebalanceInProgressException e) {
      // Retried after every poll until the rebalance ends: one line per interval says it.
      long suppressed = rebalanceLog.admit("rebalance");
      if (suppressed >= 0) {
        LOG.info(
            "offsets {} wait for the rebalance in progress; committing after the next poll ({} more"
                + " such waits not logged)",
            due,
            suppressed);
      }
      return false;
    } catch (CommitFailedException e) {
      LOG.warn(
          "offsets {} not committed (partitions reassigned; their jobs may run again): {}",
          due,
          e.getMessage());
      due.clear();
      return true;
    } catch (RetriableException e) {
      LOG.warn("offsets {} not committed yet, retrying after the next poll: {}", due, e.toString());
      return false;
    } catch (KafkaException e) {
      LOG.warn("offsets {} not committed (their jobs may run again): {}", due, e.toString());
      due.clear();
      return true;
    }
  }
}

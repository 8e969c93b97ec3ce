package dev.lumina.proto.kafka;

import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Fetch settings of the cluster's followers: the consumers that read {@code lumina.events}, {@code
 * lumina.chunks} and {@code lumina.control} to keep a view of every job (the gateway's job table,
 * the scheduler's release slots), as opposed to the consumers a job waits on (the scheduler's
 * requests, the workers' work topics), which keep Kafka's defaults and return as soon as a record
 * arrives. Stateless.
 *
 * <p>A follower's fetch waits at the broker until {@link #FETCH_WAIT} has passed or {@link
 * #FETCH_MIN_BYTES} have arrived. Every event of a job (QUEUED, PLACED, RUNNING, the terminal one,
 * chunk relays) lands on a followed partition; answering each at once wakes every follower at the
 * moment the job's own next hop (the scheduler's transaction, the worker's fetch) needs the CPU. A
 * short wait gathers them instead: under load a follower fetches a batch per wait rather than a
 * fetch per event, and a lone job's path is not crowded by its own bookkeeping. What a follower
 * feeds is not on the path of a job's result (the worker pushes chunks and the final chunk to the
 * accepting gateway directly), so the wait delays, by at most {@link #FETCH_WAIT}: views of other
 * gateways' jobs, chunks that reach a gateway only through {@code lumina.chunks} (a failed push, a
 * watch on another gateway), release slots freed by RUNNING events, and cancels of jobs the
 * scheduler still holds.
 */
public final class Followers {
  private Followers() {}

  /** Longest a follower's fetch waits at the broker for more records. */
  public static final Duration FETCH_WAIT = Duration.ofMillis(5);

  /** Bytes after which a follower's fetch returns without waiting out {@link #FETCH_WAIT}. */
  public static final int FETCH_MIN_BYTES = 1024 * 1024;

  /** Adds the followers' fetch settings to consumer {@code properties} and returns them. */
  public static Properties fetchSettings(Properties properties) {
    properties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, (int) FETCH_WAIT.toMillis());
    properties.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, FETCH_MIN_BYTES);
    return properties;
  }
}

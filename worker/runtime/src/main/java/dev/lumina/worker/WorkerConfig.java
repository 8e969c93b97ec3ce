package dev.lumina.worker;

import java.time.Duration;
import java.util.List;

/**
 * Settings of one worker process, built once by the launcher.
 *
 * @param bootstrapServers Kafka {@code host:port[,host:port...]}
 * @param workTopics the {@code lumina.work.<modality>.<tier>} topics this worker serves (at least
 *     one; see {@code dev.lumina.proto.Topics#work})
 * @param groupId consumer group shared by the workers of a pool (e.g. {@code lumina-workers})
 * @param workerId this worker's name in logs, client ids and events
 * @param pollTimeout longest single {@code poll()}; also how quickly shutdown is noticed
 * @param maxPollInterval Kafka {@code max.poll.interval.ms}; the loop keeps polling while a job
 *     runs, so this only has to cover one {@code poll()} cycle, not a job
 * @param eventTimeout how long a terminal event may take to become durable
 * @param chunkAckTimeout how long a gateway may take to acknowledge a job's chunks at its end
 * @param drainTimeout how long shutdown waits for a running job before cancelling it
 * @param controlLookback how far back cancels on {@code lumina.control} are read at start, so a
 *     cancel sent just before this worker started still applies
 * @param maxBatch most jobs taken per poll and run together when the executor gives them equal
 *     batch keys (1..64; 1 = one job at a time)
 * @param sessionTimeout Kafka {@code session.timeout.ms} of the work consumer: how long after a
 *     worker dies (SIGKILL, lost host) its partitions and unfinished jobs move to another worker;
 *     heartbeats go every third of it. Within the broker's default group limits, 6 s .. 30 min
 */
public record WorkerConfig(
    String bootstrapServers,
    List<String> workTopics,
    String groupId,
    String workerId,
    Duration pollTimeout,
    Duration maxPollInterval,
    Duration eventTimeout,
    Duration chunkAckTimeout,
    Duration drainTimeout,
    Duration controlLookback,
    int maxBatch,
    Duration sessionTimeout) {

  /** Largest {@code maxBatch}. */
  public static final int MAX_BATCH = 64;

  /** Default {@code sessionTimeout}. */
  public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(10);

  /** Shortest {@code sessionTimeout}: the broker's default {@code group.min.session.timeout.ms}. */
  public static final Duration MIN_SESSION_TIMEOUT = Duration.ofSeconds(6);

  /** Longest {@code sessionTimeout}: the broker's default {@code group.max.session.timeout.ms}. */
  public static final Duration MAX_SESSION_TIMEOUT = Duration.ofMinutes(30);

  public WorkerConfig {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("kafka bootstrap servers must not be blank");
    }
    if (workTopics == null || workTopics.isEmpty()) {
      throw new IllegalArgumentException("topics: at least one lumina.work.<modality>.<tier> topic is required");
    }
    workTopics = List.copyOf(workTopics);
    for (String t : workTopics) {
      if (!dev.lumina.proto.Topics.isWork(t)) {
        throw new IllegalArgumentException(
            "topics: each must match lumina.work.<modality>.<tier>, got " + t);
      }
    }
    if (groupId == null || groupId.isBlank()) {
      throw new IllegalArgumentException("group id must not be blank");
    }
    if (workerId == null || !workerId.matches("[A-Za-z0-9._:-]{1,128}")) {
      throw new IllegalArgumentException("worker id must be 1..128 of [A-Za-z0-9._:-], got " + workerId);
    }
    positive("poll timeout", pollTimeout);
    positive("max poll interval", maxPollInterval);
    positive("event timeout", eventTimeout);
    positive("chunk ack timeout", chunkAckTimeout);
    positive("drain timeout", drainTimeout);
    if (controlLookback == null || controlLookback.isNegative()) {
      throw new IllegalArgumentException("control lookback must be >= 0, got " + controlLookback);
    }
    if (maxBatch < 1 || maxBatch > MAX_BATCH) {
      throw new IllegalArgumentException("max batch must be in [1, " + MAX_BATCH + "], got " + maxBatch);
    }
    if (sessionTimeout == null
        || sessionTimeout.compareTo(MIN_SESSION_TIMEOUT) < 0
        || sessionTimeout.compareTo(MAX_SESSION_TIMEOUT) > 0) {
      throw new IllegalArgumentException("session timeout must be in [" + MIN_SESSION_TIMEOUT.toMillis() + ", "
          + MAX_SESSION_TIMEOUT.toMillis() + "] ms, got " + (sessionTimeout == null ? null : sessionTimeout.toMillis()));
    }
    if (maxPollInterval.compareTo(pollTimeout.multipliedBy(2)) < 0) {
      throw new IllegalArgumentException(
          "max poll interval (" + maxPollInterval + ") must be at least twice the poll timeout ("
              + pollTimeout + ")");
    }
  }

  /** A config with the default session timeout ({@link #DEFAULT_SESSION_TIMEOUT}). */
  public WorkerConfig(
      String bootstrapServers,
      List<String> workTopics,
      String groupId,
      String workerId,
      Duration pollTimeout,
      Duration maxPollInterval,
      Duration eventTimeout,
      Duration chunkAckTimeout,
      Duration drainTimeout,
      Duration controlLookback,
      int maxBatch) {
    this(bootstrapServers, workTopics, groupId, workerId, pollTimeout, maxPollInterval, eventTimeout,
        chunkAckTimeout, drainTimeout, controlLookback, maxBatch, DEFAULT_SESSION_TIMEOUT);
  }

  /** Defaults for everything but the broker, topics and identity. */
  public static WorkerConfig of(String bootstrapServers, List<String> workTopics, String workerId) {
    return new WorkerConfig(
        bootstrapServers,
        workTopics,
        "lumina-workers",
        workerId,
        Duration.ofMillis(200),
        Duration.ofMinutes(5),
        Duration.ofSeconds(30),
        Duration.ofSeconds(10),
        Duration.ofMinutes(10),
        Duration.ofMinutes(15),
        1);
  }

  /** This config taking up to {@code n} jobs per poll to batch. */
  public WorkerConfig withMaxBatch(int n) {
    return new WorkerConfig(bootstrapServers, workTopics, groupId, workerId, pollTimeout, maxPollInterval,
        eventTimeout, chunkAckTimeout, drainTimeout, controlLookback, n, sessionTimeout);
  }

  /** This config with another Kafka session timeout (how soon a dead worker's jobs move). */
  public WorkerConfig withSessionTimeout(Duration timeout) {
    return new WorkerConfig(bootstrapServers, workTopics, groupId, workerId, pollTimeout, maxPollInterval,
        eventTimeout, chunkAckTimeout, drainTimeout, controlLookback, maxBatch, timeout);
  }

  /** Kafka {@code heartbeat.interval.ms}: a third of the session timeout. */
  public Duration heartbeatInterval() {
    return sessionTimeout.dividedBy(3);
  }

  private static void positive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be > 0, got " + d);
    }
  }
}

package dev.lumina.worker;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import java.time.Duration;
import java.util.List;

/**
 * Settings of one worker process, validated at construction (a bad value names its key). Build one
 * with {@link #builder}: every setting but the broker, the topics and the worker's name has a
 * default, declared once below as a {@code DEFAULT_*} constant (the launcher's flags take theirs
 * from the same constants).
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
 *     heartbeats go every second ({@link #heartbeatInterval}). Within the broker's default group
 *     limits, 6 s .. 30 min
 * @param chunkSinkCredentials how chunks reach the gateways' ChunkSink ports: {@code
 *     InsecureChannelCredentials} (the default) for plaintext, or TLS credentials the launcher
 *     built (trusting the gateways' CA, with a client certificate for mutual TLS)
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
    Duration sessionTimeout,
    ChannelCredentials chunkSinkCredentials) {

  /**
   * Default {@code chunkSinkCredentials}: plaintext (one instance, so two default configs are
   * equal).
   */
  public static final ChannelCredentials PLAINTEXT = InsecureChannelCredentials.create();

  /** Largest {@code maxBatch}. */
  public static final int MAX_BATCH = 64;

  /** Default {@code groupId}: one pool of workers. */
  public static final String DEFAULT_GROUP_ID = "lumina-workers";

  /** Default {@code pollTimeout} in milliseconds. */
  public static final long DEFAULT_POLL_TIMEOUT_MS = 200;

  /** Default {@code pollTimeout}. */
  public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(DEFAULT_POLL_TIMEOUT_MS);

  /** Default {@code maxPollInterval}. */
  public static final Duration DEFAULT_MAX_POLL_INTERVAL = Duration.ofMinutes(5);

  /** Default {@code eventTimeout}. */
  public static final Duration DEFAULT_EVENT_TIMEOUT = Duration.ofSeconds(30);

  /** Default {@code chunkAckTimeout}. */
  public static final Duration DEFAULT_CHUNK_ACK_TIMEOUT = Duration.ofSeconds(10);

  /** Default {@code drainTimeout} in seconds. */
  public static final long DEFAULT_DRAIN_TIMEOUT_SECONDS = 600;

  /** Default {@code controlLookback}. */
  public static final Duration DEFAULT_CONTROL_LOOKBACK = Duration.ofMinutes(15);

  /** Default {@code maxBatch}: one job at a time. */
  public static final int DEFAULT_MAX_BATCH = 1;

  /** Longest heartbeat interval of the work consumer (see {@link #heartbeatInterval}). */
  public static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(1);

  /** Default {@code sessionTimeout} in seconds. */
  public static final long DEFAULT_SESSION_TIMEOUT_SECONDS = 10;

  /** Shortest {@code sessionTimeout}: the broker's default {@code group.min.session.timeout.ms}. */
  public static final Duration MIN_SESSION_TIMEOUT = Duration.ofSeconds(6);

  /** Longest {@code sessionTimeout}: the broker's default {@code group.max.session.timeout.ms}. */
  public static final Duration MAX_SESSION_TIMEOUT = Duration.ofMinutes(30);

  public WorkerConfig {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("kafka bootstrap servers must not be blank");
    }
    if (workTopics == null || workTopics.isEmpty()) {
      throw new IllegalArgumentException(
          "topics: at least one lumina.work.<modality>.<tier> topic is required");
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
      throw new IllegalArgumentException(
          "worker id must be 1..128 of [A-Za-z0-9._:-], got " + workerId);
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
      throw new IllegalArgumentException(
          "max batch must be in [1, " + MAX_BATCH + "], got " + maxBatch);
    }
    if (sessionTimeout == null
        || sessionTimeout.compareTo(MIN_SESSION_TIMEOUT) < 0
        || sessionTimeout.compareTo(MAX_SESSION_TIMEOUT) > 0) {
      throw new IllegalArgumentException(
          "session timeout must be in ["
              + MIN_SESSION_TIMEOUT.toMillis()
              + ", "
              + MAX_SESSION_TIMEOUT.toMillis()
              + "] ms, got "
              + (sessionTimeout == null ? null : sessionTimeout.toMillis()));
    }
    chunkSinkCredentials = chunkSinkCredentials == null ? PLAINTEXT : chunkSinkCredentials;
    if (maxPollInterval.compareTo(pollTimeout.multipliedBy(2)) < 0) {
      throw new IllegalArgumentException(
          "max poll interval ("
              + maxPollInterval
              + ") must be at least twice the poll timeout ("
              + pollTimeout
              + ")");
    }
  }

  /**
   * A builder with every default; {@code bootstrapServers}, {@code workTopics} and {@code workerId}
   * have none.
   */
  public static Builder builder(String bootstrapServers, List<String> workTopics, String workerId) {
    return new Builder(bootstrapServers, workTopics, workerId);
  }

  /** A builder starting from this config's values. */
  public Builder toBuilder() {
    return new Builder(bootstrapServers, workTopics, workerId)
        .groupId(groupId)
        .pollTimeout(pollTimeout)
        .maxPollInterval(maxPollInterval)
        .eventTimeout(eventTimeout)
        .chunkAckTimeout(chunkAckTimeout)
        .drainTimeout(drainTimeout)
        .controlLookback(controlLookback)
        .maxBatch(maxBatch)
        .sessionTimeout(sessionTimeout)
        .chunkSinkCredentials(chunkSinkCredentials);
  }

  /**
   * Kafka {@code heartbeat.interval.ms}: {@link #HEARTBEAT_INTERVAL}, at most a third of the
   * session timeout. A worker learns of a rebalance from a heartbeat response, and the pool takes
   * no new jobs until every worker has rejoined: at a third of the default session (3.3 s), a
   * worker joining a busy pool stopped it for about 3 s; at 1 s, for under 1 s.
   */
  public Duration heartbeatInterval() {
    Duration third = sessionTimeout.dividedBy(3);
    return third.compareTo(HEARTBEAT_INTERVAL) < 0 ? third : HEARTBEAT_INTERVAL;
  }

  /** Collects a worker's settings; {@link #build} validates them. Not thread-safe. */
  public static final class Builder {
    private final String bootstrapServers;
    private final List<String> workTopics;
    private final String workerId;
    private String groupId = DEFAULT_GROUP_ID;
    private Duration pollTimeout = DEFAULT_POLL_TIMEOUT;
    private Duration maxPollInterval = DEFAULT_MAX_POLL_INTERVAL;
    private Duration eventTimeout = DEFAULT_EVENT_TIMEOUT;
    private Duration chunkAckTimeout = DEFAULT_CHUNK_ACK_TIMEOUT;
    private Duration drainTimeout = Duration.ofSeconds(DEFAULT_DRAIN_TIMEOUT_SECONDS);
    private Duration controlLookback = DEFAULT_CONTROL_LOOKBACK;
    private int maxBatch = DEFAULT_MAX_BATCH;
    private Duration sessionTimeout = Duration.ofSeconds(DEFAULT_SESSION_TIMEOUT_SECONDS);
    private ChannelCredentials chunkSinkCredentials;

    private Builder(String bootstrapServers, List<String> workTopics, String workerId) {
      this.bootstrapServers = bootstrapServers;
      this.workTopics = workTopics;
      this.workerId = workerId;
    }

    public Builder groupId(String v) {
      groupId = v;
      return this;
    }

    public Builder pollTimeout(Duration v) {
      pollTimeout = v;
      return this;
    }

    public Builder maxPollInterval(Duration v) {
      maxPollInterval = v;
      return this;
    }

    public Builder eventTimeout(Duration v) {
      eventTimeout = v;
      return this;
    }

    public Builder chunkAckTimeout(Duration v) {
      chunkAckTimeout = v;
      return this;
    }

    public Builder drainTimeout(Duration v) {
      drainTimeout = v;
      return this;
    }

    public Builder controlLookback(Duration v) {
      controlLookback = v;
      return this;
    }

    public Builder maxBatch(int v) {
      maxBatch = v;
      return this;
    }

    public Builder sessionTimeout(Duration v) {
      sessionTimeout = v;
      return this;
    }

    /** How chunks reach the gateways' ChunkSink; null (the default) = plaintext. */
    public Builder chunkSinkCredentials(ChannelCredentials v) {
      chunkSinkCredentials = v;
      return this;
    }

    /**
     * The config.
     *
     * @throws IllegalArgumentException naming the first setting out of range
     */
    public WorkerConfig build() {
      return new WorkerConfig(
          bootstrapServers,
          workTopics,
          groupId,
          workerId,
          pollTimeout,
          maxPollInterval,
          eventTimeout,
          chunkAckTimeout,
          drainTimeout,
          controlLookback,
          maxBatch,
          sessionTimeout,
          chunkSinkCredentials);
    }
  }

  private static void positive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be > 0, got " + d);
    }
  }
}

package dev.lumina.scheduler;

import dev.lumina.proto.Tiers;
import java.time.Duration;

/**
 * Everything a scheduler needs, validated at construction (a bad value names its key). Build one
 * with {@link #builder}: every setting but the broker has a default, declared once below as a
 * {@code DEFAULT_*} constant (the launcher's flags take theirs from the same constants).
 *
 * @param kafkaBootstrap Kafka bootstrap servers, {@code host:port[,host:port]}
 * @param tiers worker tiers by token budget (configuration, e.g. {@code s=4224,m=16896,...})
 * @param releaseWindow unstarted jobs per work topic (raised to the slots its workers announce);
 *     the rest wait here in priority order
 * @param expiryGrace extra time before a job already on a work topic is expired (the worker itself
 *     skips a job past its deadline at start)
 * @param depthInterval how often queue depth is published to {@code lumina.queue-depth}
 * @param secondsPerTokenEval estimated seconds of one token through one model evaluation
 * @param groupId consumer group on {@code lumina.requests}
 * @param transactionalId producer transactional id (unique per scheduler instance)
 * @param topicPartitions partitions of topics this scheduler creates when missing
 * @param replication replication factor of topics this scheduler creates when missing
 * @param reconcileAfter how long a job may be QUEUED on {@code lumina.events} with no request on
 *     {@code lumina.requests} before the scheduler that owns its request partition places it from
 *     the event's envelope
 */
public record SchedulerConfig(
    String kafkaBootstrap,
    Tiers tiers,
    int releaseWindow,
    Duration expiryGrace,
    Duration depthInterval,
    double secondsPerTokenEval,
    String groupId,
    String transactionalId,
    int topicPartitions,
    short replication,
    Duration reconcileAfter) {

  /** Default {@code reconcileAfter}. */
  public static final Duration DEFAULT_RECONCILE_AFTER = Duration.ofSeconds(30);

  /** Default {@code releaseWindow}. */
  public static final int DEFAULT_RELEASE_WINDOW = 2;

  /** Default {@code expiryGrace}. */
  public static final Duration DEFAULT_EXPIRY_GRACE = Duration.ofSeconds(5);

  /** Default {@code depthInterval}. */
  public static final Duration DEFAULT_DEPTH_INTERVAL = Duration.ofSeconds(5);

  /** Default {@code secondsPerTokenEval}. */
  public static final double DEFAULT_SECONDS_PER_TOKEN_EVAL =
      dev.lumina.proto.JobCost.DEFAULT_SECONDS_PER_TOKEN_EVAL;

  /** Default {@code groupId}. */
  public static final String DEFAULT_GROUP_ID = "lumina-scheduler";

  /** {@code transactionalId} is this prefix and the scheduler's instance id. */
  public static final String TRANSACTIONAL_ID_PREFIX = "lumina-scheduler-";

  /** Default instance id (one scheduler). */
  public static final String DEFAULT_INSTANCE = "0";

  /** Default {@code topicPartitions}. */
  public static final int DEFAULT_TOPIC_PARTITIONS = 3;

  /** Default {@code replication}: a single broker. */
  public static final short DEFAULT_REPLICATION = 1;

  public SchedulerConfig {
    if (kafkaBootstrap == null || kafkaBootstrap.isBlank()) {
      throw new IllegalArgumentException("kafka: bootstrap servers are required (host:port)");
    }
    if (tiers == null) {
      throw new IllegalArgumentException("tiers: required");
    }
    if (releaseWindow < 1) {
      throw new IllegalArgumentException("release-window must be >= 1, got " + releaseWindow);
    }
    if (expiryGrace == null || expiryGrace.isNegative()) {
      throw new IllegalArgumentException("expiry-grace must be >= 0, got " + expiryGrace);
    }
    if (depthInterval == null || depthInterval.isNegative() || depthInterval.isZero()) {
      throw new IllegalArgumentException("depth-interval must be > 0, got " + depthInterval);
    }
    if (!(secondsPerTokenEval >= 0) || Double.isInfinite(secondsPerTokenEval)) {
      throw new IllegalArgumentException(
          "seconds-per-token-eval must be finite and >= 0, got " + secondsPerTokenEval);
    }
    if (groupId == null || groupId.isBlank()) {
      throw new IllegalArgumentException("group-id: required");
    }
    if (transactionalId == null || transactionalId.isBlank()) {
      throw new IllegalArgumentException("transactional-id: required");
    }
    if (topicPartitions < 1) {
      throw new IllegalArgumentException("topic-partitions must be >= 1, got " + topicPartitions);
    }
    if (replication < 1) {
      throw new IllegalArgumentException("replication must be >= 1, got " + replication);
    }
    if (reconcileAfter == null) {
      reconcileAfter = DEFAULT_RECONCILE_AFTER;
    }
    if (reconcileAfter.isNegative() || reconcileAfter.isZero()) {
      throw new IllegalArgumentException(
          "reconcile-after must be a positive duration, got " + reconcileAfter);
    }
  }

  /** A builder with every default; {@code kafkaBootstrap} has none. */
  public static Builder builder(String kafkaBootstrap) {
    return new Builder(kafkaBootstrap);
  }

  /** A builder starting from this config's values. */
  public Builder toBuilder() {
    return new Builder(kafkaBootstrap)
        .tiers(tiers)
        .releaseWindow(releaseWindow)
        .expiryGrace(expiryGrace)
        .depthInterval(depthInterval)
        .secondsPerTokenEval(secondsPerTokenEval)
        .groupId(groupId)
        .transactionalId(transactionalId)
        .topicPartitions(topicPartitions)
        .replication(replication)
        .reconcileAfter(reconcileAfter);
  }

  /** Collects a scheduler's settings; {@link #build} validates them. Not thread-safe. */
  public static final class Builder {
    private final String kafkaBootstrap;
    private Tiers tiers = Tiers.defaults();
    private int releaseWindow = DEFAULT_RELEASE_WINDOW;
    private Duration expiryGrace = DEFAULT_EXPIRY_GRACE;
    private Duration depthInterval = DEFAULT_DEPTH_INTERVAL;
    private double secondsPerTokenEval = DEFAULT_SECONDS_PER_TOKEN_EVAL;
    private String groupId = DEFAULT_GROUP_ID;
    private String transactionalId = TRANSACTIONAL_ID_PREFIX + DEFAULT_INSTANCE;
    private int topicPartitions = DEFAULT_TOPIC_PARTITIONS;
    private short replication = DEFAULT_REPLICATION;
    private Duration reconcileAfter = DEFAULT_RECONCILE_AFTER;

    private Builder(String kafkaBootstrap) {
      this.kafkaBootstrap = kafkaBootstrap;
    }

    public Builder tiers(Tiers v) {
      tiers = v;
      return this;
    }

    public Builder releaseWindow(int v) {
      releaseWindow = v;
      return this;
    }

    public Builder expiryGrace(Duration v) {
      expiryGrace = v;
      return this;
    }

    public Builder depthInterval(Duration v) {
      depthInterval = v;
      return this;
    }

    public Builder secondsPerTokenEval(double v) {
      secondsPerTokenEval = v;
      return this;
    }

    public Builder groupId(String v) {
      groupId = v;
      return this;
    }

    public Builder transactionalId(String v) {
      transactionalId = v;
      return this;
    }

    /** Sets {@code transactionalId} to {@link #TRANSACTIONAL_ID_PREFIX} + {@code instance}. */
    public Builder instance(String instance) {
      transactionalId = TRANSACTIONAL_ID_PREFIX + instance;
      return this;
    }

    public Builder topicPartitions(int v) {
      topicPartitions = v;
      return this;
    }

    public Builder replication(short v) {
      replication = v;
      return this;
    }

    public Builder reconcileAfter(Duration v) {
      reconcileAfter = v;
      return this;
    }

    /**
     * The config.
     *
     * @throws IllegalArgumentException naming the first setting out of range
     */
    public SchedulerConfig build() {
      return new SchedulerConfig(
          kafkaBootstrap,
          tiers,
          releaseWindow,
          expiryGrace,
          depthInterval,
          secondsPerTokenEval,
          groupId,
          transactionalId,
          topicPartitions,
          replication,
          reconcileAfter);
    }
  }
}

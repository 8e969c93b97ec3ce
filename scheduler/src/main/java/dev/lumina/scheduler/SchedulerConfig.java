package dev.lumina.scheduler;

import dev.lumina.proto.Tiers;
import java.time.Duration;

/**
 * Everything a scheduler needs, validated at construction (a bad value names its key).
 *
 * @param kafkaBootstrap Kafka bootstrap servers, {@code host:port[,host:port]}
 * @param tiers worker tiers by token budget (configuration, e.g. {@code s=4224,m=16896,...})
 * @param releaseWindow most unstarted jobs per work topic; the rest wait here in priority order
 * @param expiryGrace extra time before a job already on a work topic is expired (the worker itself
 *     skips a job past its deadline at start)
 * @param depthInterval how often queue depth is published to {@code lumina.queue-depth}
 * @param secondsPerTokenEval estimated seconds of one token through one model evaluation
 * @param groupId consumer group on {@code lumina.requests}
 * @param transactionalId producer transactional id (unique per scheduler instance)
 * @param topicPartitions partitions of topics this scheduler creates when missing
 * @param replication replication factor of topics this scheduler creates when missing
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
    short replication) {

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
      throw new IllegalArgumentException("seconds-per-token-eval must be finite and >= 0, got " + secondsPerTokenEval);
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
  }

  /** A single-node config: default tiers, window 2, 5 s grace, depth every 5 s. */
  public static SchedulerConfig local(String kafkaBootstrap) {
    return new SchedulerConfig(kafkaBootstrap, Tiers.defaults(), 2, Duration.ofSeconds(5), Duration.ofSeconds(5),
        2e-6, "lumina-scheduler", "lumina-scheduler-0", 3, (short) 1);
  }

  /** This config with another release window. */
  public SchedulerConfig withReleaseWindow(int window) {
    return new SchedulerConfig(kafkaBootstrap, tiers, window, expiryGrace, depthInterval, secondsPerTokenEval,
        groupId, transactionalId, topicPartitions, replication);
  }

  /** This config with other tiers. */
  public SchedulerConfig withTiers(Tiers t) {
    return new SchedulerConfig(kafkaBootstrap, t, releaseWindow, expiryGrace, depthInterval, secondsPerTokenEval,
        groupId, transactionalId, topicPartitions, replication);
  }
}

package dev.lumina.gateway;

import dev.lumina.proto.Tiers;
import dev.lumina.proto.cluster.v1.ModelCard;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything a gateway needs, validated at construction (a bad value names its key).
 *
 * @param kafkaBootstrap Kafka bootstrap servers, {@code host:port[,host:port]}
 * @param bindHost address both gRPC servers listen on
 * @param port public port (lumina.v1 Generation, Models); 0 picks a free port
 * @param chunkSinkPort internal port for workers' {@code ChunkSink}; 0 picks a free port
 * @param advertisedHost host workers use to reach this gateway's ChunkSink
 * @param staticModels model cards known without any announcement on {@code lumina.models}
 * @param defaultModel model used when a request names none ("" = the first known by name)
 * @param tiers worker tiers by token budget; a job above the largest is refused
 * @param apiKeys API key to tenant; empty = every caller is the default tenant
 * @param maxInboundMessageBytes largest public request accepted (larger: RESOURCE_EXHAUSTED)
 * @param maxJobs jobs remembered for GetJob/Watch before the oldest are forgotten
 * @param publishTimeout longest wait for Kafka to acknowledge an accepted job
 * @param lookupWait how long Watch/GetJob/Cancel wait for a job another gateway just accepted
 * @param topicPartitions partitions of topics this gateway creates when missing
 * @param replication replication factor of topics this gateway creates when missing
 */
public record GatewayConfig(
    String kafkaBootstrap,
    String bindHost,
    int port,
    int chunkSinkPort,
    String advertisedHost,
    List<ModelCard> staticModels,
    String defaultModel,
    Tiers tiers,
    Map<String, String> apiKeys,
    int maxInboundMessageBytes,
    int maxJobs,
    Duration publishTimeout,
    Duration lookupWait,
    int topicPartitions,
    short replication) {

  public static final int DEFAULT_MAX_INBOUND_BYTES = 256 * 1024;
  /** Chunks carry up to 1 MiB of bytes; the internal port takes batches of several. */
  public static final int CHUNK_SINK_MAX_INBOUND_BYTES = 16 * 1024 * 1024;

  public GatewayConfig {
    if (kafkaBootstrap == null || kafkaBootstrap.isBlank()) {
      throw new IllegalArgumentException("kafka: bootstrap servers are required (host:port)");
    }
    requirePort("port", port);
    requirePort("chunk-sink-port", chunkSinkPort);
    if (bindHost == null || bindHost.isBlank()) {
      throw new IllegalArgumentException("bind-host: required");
    }
    if (advertisedHost == null || advertisedHost.isBlank()) {
      throw new IllegalArgumentException("advertised-host: required");
    }
    staticModels = List.copyOf(staticModels);
    defaultModel = defaultModel == null ? "" : defaultModel;
    if (tiers == null) {
      throw new IllegalArgumentException("tiers: required");
    }
    apiKeys = Map.copyOf(apiKeys);
    if (maxInboundMessageBytes < 1024) {
      throw new IllegalArgumentException("max-message-bytes must be >= 1024, got " + maxInboundMessageBytes);
    }
    if (maxJobs < 1) {
      throw new IllegalArgumentException("max-jobs must be >= 1, got " + maxJobs);
    }
    requirePositive("publish-timeout", publishTimeout);
    requirePositive("lookup-wait", lookupWait);
    if (topicPartitions < 1) {
      throw new IllegalArgumentException("topic-partitions must be >= 1, got " + topicPartitions);
    }
    if (replication < 1) {
      throw new IllegalArgumentException("replication must be >= 1, got " + replication);
    }
  }

  /** A single-node config: loopback, free ports, default tiers, one tenant, no static models. */
  public static GatewayConfig local(String kafkaBootstrap) {
    return new GatewayConfig(kafkaBootstrap, "127.0.0.1", 0, 0, "127.0.0.1", List.of(), "", Tiers.defaults(),
        Map.of(), DEFAULT_MAX_INBOUND_BYTES, 100_000, Duration.ofSeconds(10), Duration.ofSeconds(2), 3, (short) 1);
  }

  /** This config with other listening ports. */
  public GatewayConfig withPorts(int port, int chunkSinkPort) {
    return new GatewayConfig(kafkaBootstrap, bindHost, port, chunkSinkPort, advertisedHost, staticModels,
        defaultModel, tiers, apiKeys, maxInboundMessageBytes, maxJobs, publishTimeout, lookupWait,
        topicPartitions, replication);
  }

  /** This config with these static model cards and default model. */
  public GatewayConfig withModels(List<ModelCard> models, String defaultModel) {
    return new GatewayConfig(kafkaBootstrap, bindHost, port, chunkSinkPort, advertisedHost, models,
        defaultModel, tiers, apiKeys, maxInboundMessageBytes, maxJobs, publishTimeout, lookupWait,
        topicPartitions, replication);
  }

  /** This config with these API keys (key to tenant). */
  public GatewayConfig withApiKeys(Map<String, String> keys) {
    return new GatewayConfig(kafkaBootstrap, bindHost, port, chunkSinkPort, advertisedHost, staticModels,
        defaultModel, tiers, keys, maxInboundMessageBytes, maxJobs, publishTimeout, lookupWait,
        topicPartitions, replication);
  }

  /** This config with other tiers. */
  public GatewayConfig withTiers(Tiers t) {
    return new GatewayConfig(kafkaBootstrap, bindHost, port, chunkSinkPort, advertisedHost, staticModels,
        defaultModel, t, apiKeys, maxInboundMessageBytes, maxJobs, publishTimeout, lookupWait,
        topicPartitions, replication);
  }

  private static void requirePort(String key, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(key + " must be in 0..65535, got " + port);
    }
  }

  private static void requirePositive(String key, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + " must be a positive duration, got " + d);
    }
  }
}

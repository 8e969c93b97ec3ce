package dev.lumina.gateway;

import dev.lumina.artifacts.ArtifactStore;
import dev.lumina.proto.Tiers;
import dev.lumina.proto.cluster.v1.ModelCard;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything a gateway needs, validated at construction (a bad value names its key). Build one with
 * {@link #builder}: every setting but the broker has a default, declared once below as a {@code
 * DEFAULT_*} constant (the launcher's flags take theirs from the same constants).
 *
 * @param kafkaBootstrap Kafka bootstrap servers, {@code host:port[,host:port]}
 * @param bindHost address both gRPC servers listen on
 * @param port public port (lumina.v1 Generation, Models); 0 picks a free port
 * @param chunkSinkPort internal port for workers' {@code ChunkSink}; 0 picks a free port
 * @param advertisedHost host workers use to reach this gateway's ChunkSink
 * @param staticModels model cards known without any announcement on {@code lumina.models}
 * @param defaultModel model used when a request names none ("" = the first known by name)
 * @param tiers worker tiers by token budget; a job above the largest is refused
 * @param apiKeys which key is which tenant's; {@link ApiKeys#anonymous()} (the default) = every
 *     caller is the default tenant
 * @param maxInboundMessageBytes largest public request accepted (larger: RESOURCE_EXHAUSTED)
 * @param maxJobs jobs remembered for GetJob/Watch before the oldest are forgotten
 * @param publishTimeout longest wait for Kafka to acknowledge an accepted job
 * @param lookupWait how long Watch/GetJob/Cancel wait for a job another gateway just accepted
 * @param topicPartitions partitions of topics this gateway creates when missing
 * @param replication replication factor of topics this gateway creates when missing
 * @param artifacts the cluster's artifact store, read back for GetArtifact and for the bytes of
 *     frames, tiles and audio relayed as references; empty = chunks are sent as they arrive and
 *     GetArtifact answers FAILED_PRECONDITION
 * @param httpPort port of the HTTP front (OpenAI-compatible API and playground); 0 = off
 * @param publicCredentials transport security of the public port: {@code InsecureServerCredentials}
 *     (the default) for plaintext, or TLS credentials the launcher built from PEM files (with
 *     client certificates required for mutual TLS)
 * @param chunkSinkCredentials transport security of the ChunkSink port, likewise; workers must then
 *     reach it over TLS
 * @param quotas per-tenant rates, streams, jobs and queued work, and the per-tier queued-work limit
 *     past which new work is shed; {@link Quotas#none()} (the default) = no limits
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
    ApiKeys apiKeys,
    int maxInboundMessageBytes,
    int maxJobs,
    Duration publishTimeout,
    Duration lookupWait,
    int topicPartitions,
    short replication,
    Optional<ArtifactStore> artifacts,
    int httpPort,
    ServerCredentials publicCredentials,
    ServerCredentials chunkSinkCredentials,
    Quotas quotas) {

  /** Default {@code bindHost}: loopback only. */
  public static final String DEFAULT_BIND_HOST = "127.0.0.1";

  /** Default public port. */
  public static final int DEFAULT_PORT = 8443;

  /** Default internal ChunkSink port. */
  public static final int DEFAULT_CHUNK_SINK_PORT = 8444;

  /** Default {@code maxInboundMessageBytes}. */
  public static final int DEFAULT_MAX_INBOUND_BYTES = 256 * 1024;

  /** Default {@code maxJobs}. */
  public static final int DEFAULT_MAX_JOBS = 100_000;

  /** Default {@code publishTimeout}. */
  public static final Duration DEFAULT_PUBLISH_TIMEOUT =
      Duration.ofMillis(GatewayConfig.DEFAULT_PUBLISH_TIMEOUT_MS);

  /** {@link #DEFAULT_PUBLISH_TIMEOUT} in milliseconds (a constant, for flag defaults). */
  public static final long DEFAULT_PUBLISH_TIMEOUT_MS = 3_000;

  /** Default {@code lookupWait}. */
  public static final Duration DEFAULT_LOOKUP_WAIT = Duration.ofSeconds(2);

  /** Default {@code topicPartitions}. */
  public static final int DEFAULT_TOPIC_PARTITIONS = 3;

  /** Default {@code replication}: a single broker. */
  public static final short DEFAULT_REPLICATION = 1;

  /**
   * Default {@code publicCredentials} and {@code chunkSinkCredentials}: plaintext (one instance, so
   * two default configs are equal).
   */
  public static final ServerCredentials PLAINTEXT = InsecureServerCredentials.create();

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
    if (apiKeys == null) {
      throw new IllegalArgumentException("api-keys: required (ApiKeys.anonymous() for none)");
    }
    if (maxInboundMessageBytes < 1024) {
      throw new IllegalArgumentException(
          "max-message-bytes must be >= 1024, got " + maxInboundMessageBytes);
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
    artifacts = artifacts == null ? Optional.empty() : artifacts;
    if (httpPort < 0 || httpPort > 65535) {
      throw new IllegalArgumentException(
          "http-port must be in 0..65535 (0 = off), got " + httpPort);
    }
    publicCredentials = publicCredentials == null ? PLAINTEXT : publicCredentials;
    chunkSinkCredentials = chunkSinkCredentials == null ? PLAINTEXT : chunkSinkCredentials;
    quotas = quotas == null ? Quotas.none() : quotas;
  }

  /** A builder with every default; {@code kafkaBootstrap} has none. */
  public static Builder builder(String kafkaBootstrap) {
    return new Builder(kafkaBootstrap);
  }

  /**
   * The defaults with both ports free (0): a gateway that never collides with another on this
   * machine.
   */
  public static GatewayConfig local(String kafkaBootstrap) {
    return builder(kafkaBootstrap).port(0).chunkSinkPort(0).build();
  }

  /** A builder starting from this config's values. */
  public Builder toBuilder() {
    return new Builder(kafkaBootstrap)
        .bindHost(bindHost)
        .port(port)
        .chunkSinkPort(chunkSinkPort)
        .advertisedHost(advertisedHost)
        .staticModels(staticModels)
        .defaultModel(defaultModel)
        .tiers(tiers)
        .apiKeys(apiKeys)
        .maxInboundMessageBytes(maxInboundMessageBytes)
        .maxJobs(maxJobs)
        .publishTimeout(publishTimeout)
        .lookupWait(lookupWait)
        .topicPartitions(topicPartitions)
        .replication(replication)
        .artifacts(artifacts.orElse(null))
        .httpPort(httpPort)
        .publicCredentials(publicCredentials)
        .chunkSinkCredentials(chunkSinkCredentials)
        .quotas(quotas);
  }

  /** Collects a gateway's settings; {@link #build} validates them. Not thread-safe. */
  public static final class Builder {
    private final String kafkaBootstrap;
    private String bindHost = DEFAULT_BIND_HOST;
    private int port = DEFAULT_PORT;
    private int chunkSinkPort = DEFAULT_CHUNK_SINK_PORT;
    private String advertisedHost;
    private List<ModelCard> staticModels = List.of();
    private String defaultModel = "";
    private Tiers tiers = Tiers.defaults();
    private ApiKeys apiKeys = ApiKeys.anonymous();
    private int maxInboundMessageBytes = DEFAULT_MAX_INBOUND_BYTES;
    private int maxJobs = DEFAULT_MAX_JOBS;
    private Duration publishTimeout = DEFAULT_PUBLISH_TIMEOUT;
    private Duration lookupWait = DEFAULT_LOOKUP_WAIT;
    private int topicPartitions = DEFAULT_TOPIC_PARTITIONS;
    private short replication = DEFAULT_REPLICATION;
    private ArtifactStore artifacts;
    private int httpPort;
    private ServerCredentials publicCredentials;
    private ServerCredentials chunkSinkCredentials;
    private Quotas quotas;

    private Builder(String kafkaBootstrap) {
      this.kafkaBootstrap = kafkaBootstrap;
    }

    public Builder bindHost(String v) {
      bindHost = v;
      return this;
    }

    public Builder port(int v) {
      port = v;
      return this;
    }

    public Builder chunkSinkPort(int v) {
      chunkSinkPort = v;
      return this;
    }

    /**
     * The host workers reach the ChunkSink on; null or blank (the default) means {@code bindHost}.
     */
    public Builder advertisedHost(String v) {
      advertisedHost = v;
      return this;
    }

    public Builder staticModels(List<ModelCard> v) {
      staticModels = v;
      return this;
    }

    public Builder defaultModel(String v) {
      defaultModel = v;
      return this;
    }

    public Builder tiers(Tiers v) {
      tiers = v;
      return this;
    }

    /** Who may call; default {@link ApiKeys#anonymous()}. */
    public Builder apiKeys(ApiKeys v) {
      apiKeys = v;
      return this;
    }

    public Builder maxInboundMessageBytes(int v) {
      maxInboundMessageBytes = v;
      return this;
    }

    public Builder maxJobs(int v) {
      maxJobs = v;
      return this;
    }

    public Builder publishTimeout(Duration v) {
      publishTimeout = v;
      return this;
    }

    public Builder lookupWait(Duration v) {
      lookupWait = v;
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

    /** The cluster's artifact store; null (the default) = none readable from this gateway. */
    public Builder artifacts(ArtifactStore v) {
      artifacts = v;
      return this;
    }

    /** Port of the HTTP front; 0 (the default) = off. */
    public Builder httpPort(int v) {
      httpPort = v;
      return this;
    }

    /** Transport security of the public port; null (the default) = plaintext. */
    public Builder publicCredentials(ServerCredentials v) {
      publicCredentials = v;
      return this;
    }

    /** Transport security of the ChunkSink port; null (the default) = plaintext. */
    public Builder chunkSinkCredentials(ServerCredentials v) {
      chunkSinkCredentials = v;
      return this;
    }

    /** Quotas and load shedding; null (the default) = {@link Quotas#none()}. */
    public Builder quotas(Quotas v) {
      quotas = v;
      return this;
    }

    /**
     * The config.
     *
     * @throws IllegalArgumentException naming the first setting out of range
     */
    public GatewayConfig build() {
      String advertised =
          advertisedHost == null || advertisedHost.isBlank() ? bindHost : advertisedHost;
      return new GatewayConfig(
          kafkaBootstrap,
          bindHost,
          port,
          chunkSinkPort,
          advertised,
          staticModels,
          defaultModel,
          tiers,
          apiKeys,
          maxInboundMessageBytes,
          maxJobs,
          publishTimeout,
          lookupWait,
          topicPartitions,
          replication,
          Optional.ofNullable(artifacts),
          httpPort,
          publicCredentials,
          chunkSinkCredentials,
          quotas);
    }
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

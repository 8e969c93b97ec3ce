package dev.lumina.deploy.cluster;

import dev.lumina.deploy.tls.ServerTls;
import dev.lumina.engine.ModelLayout;
import dev.lumina.gateway.ApiKeys;
import dev.lumina.gateway.Quotas;
import dev.lumina.proto.Tiers;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Where and how an {@link EmbeddedCluster} runs.
 *
 * @param model where the parts of the model the worker serves are
 * @param dataDir broker data ({@code kafka/}) and artifacts ({@code artifacts/}) live here
 * @param host address the broker and the gateway bind to (and the broker advertises)
 * @param gatewayPort public gRPC port, 0 = any free port
 * @param chunkSinkPort internal ChunkSink port, 0 = any free port
 * @param kafkaPort broker client port, 0 = any free port
 * @param kafkaPortFallback when {@code kafkaPort} is taken, use a free port instead (and say so)
 * @param tiers worker tiers, smallest first
 * @param name names the worker and the model card's announcer, e.g. {@code "serve"}
 * @param tuning the knobs that trade CPU for latency
 * @param apiKeys who may call the gateway ({@link ApiKeys#anonymous()}: everyone, as tenant {@code
 *     default})
 * @param metricsPort the management port ({@code /metrics}, {@code /healthz}, {@code /readyz}) for
 *     all roles; empty = none, 0 = a free port
 * @param httpPort the gateway's HTTP front (OpenAI-compatible API and playground); empty = off, 0 =
 *     a free port
 * @param tls the public port's TLS (empty = plaintext); when set, the ChunkSink port speaks TLS
 *     too, with this certificate, and admits only the embedded worker, which presents the same
 *     certificate and trusts only it (the client CA, if any, applies to the public port alone)
 */
public record ClusterSettings(
    ModelLayout model,
    Path dataDir,
    String host,
    int gatewayPort,
    int chunkSinkPort,
    int kafkaPort,
    boolean kafkaPortFallback,
    Tiers tiers,
    String name,
    ClusterTuning tuning,
    ApiKeys apiKeys,
    OptionalInt metricsPort,
    OptionalInt httpPort,
    Optional<ServerTls> tls,
    Quotas quotas) {
  public ClusterSettings {
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(quotas, "quotas");
    Objects.requireNonNull(tuning, "tuning");
    Objects.requireNonNull(httpPort, "httpPort");
    if (httpPort.isPresent()) {
      checkPort("httpPort", httpPort.getAsInt());
    }
    Objects.requireNonNull(apiKeys, "apiKeys");
    Objects.requireNonNull(metricsPort, "metricsPort");
    if (metricsPort.isPresent()) {
      checkPort("metricsPort", metricsPort.getAsInt());
    }
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(tiers, "tiers");
    Objects.requireNonNull(name, "name");
    checkPort("gatewayPort", gatewayPort);
    checkPort("chunkSinkPort", chunkSinkPort);
    checkPort("kafkaPort", kafkaPort);
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank");
    }
  }

  /** Settings without the HTTP front. */
  public ClusterSettings(
      ModelLayout model,
      Path dataDir,
      String host,
      int gatewayPort,
      int chunkSinkPort,
      int kafkaPort,
      boolean kafkaPortFallback,
      Tiers tiers,
      String name,
      ClusterTuning tuning,
      ApiKeys apiKeys,
      OptionalInt metricsPort) {
    this(
        model,
        dataDir,
        host,
        gatewayPort,
        chunkSinkPort,
        kafkaPort,
        kafkaPortFallback,
        tiers,
        name,
        tuning,
        apiKeys,
        metricsPort,
        OptionalInt.empty(),
        Optional.empty(),
        Quotas.none());
  }

  /** Settings whose gateway lets every caller in as tenant {@code default}. */
  public ClusterSettings(
      ModelLayout model,
      Path dataDir,
      String host,
      int gatewayPort,
      int chunkSinkPort,
      int kafkaPort,
      boolean kafkaPortFallback,
      Tiers tiers,
      String name,
      ClusterTuning tuning) {
    this(
        model,
        dataDir,
        host,
        gatewayPort,
        chunkSinkPort,
        kafkaPort,
        kafkaPortFallback,
        tiers,
        name,
        tuning,
        ApiKeys.anonymous(),
        OptionalInt.empty());
  }

  /**
   * Loopback, free ports everywhere, the default tiers: a cluster that never collides with another.
   */
  public static ClusterSettings ephemeral(Path modelDir, Path dataDir, String name) {
    return ephemeral(modelDir, dataDir, name, ClusterTuning.DEFAULTS);
  }

  /** {@link #ephemeral(Path, Path, String)} with other tuning. */
  public static ClusterSettings ephemeral(
      Path modelDir, Path dataDir, String name, ClusterTuning tuning) {
    return ephemeral(ModelLayout.of(modelDir), dataDir, name, tuning);
  }

  /** {@link #ephemeral(Path, Path, String)} for a model whose parts may be in several folders. */
  public static ClusterSettings ephemeral(ModelLayout model, Path dataDir, String name) {
    return ephemeral(model, dataDir, name, ClusterTuning.DEFAULTS);
  }

  private static ClusterSettings ephemeral(
      ModelLayout model, Path dataDir, String name, ClusterTuning tuning) {
    return new ClusterSettings(
        model,
        dataDir,
        "127.0.0.1",
        0,
        0,
        0,
        false,
        Tiers.parse(Tiers.DEFAULT_SPEC),
        name,
        tuning,
        ApiKeys.anonymous(),
        OptionalInt.empty());
  }

  /** These settings with a management port for all roles (0 = a free port). */
  public ClusterSettings withMetricsPort(int port) {
    return new ClusterSettings(
        model,
        dataDir,
        host,
        gatewayPort,
        chunkSinkPort,
        kafkaPort,
        kafkaPortFallback,
        tiers,
        name,
        tuning,
        apiKeys,
        OptionalInt.of(port),
        httpPort,
        tls,
        quotas);
  }

  /** These settings with the gateway's HTTP front on {@code port} (0 = a free port). */
  public ClusterSettings withHttpPort(int port) {
    return new ClusterSettings(
        model,
        dataDir,
        host,
        gatewayPort,
        chunkSinkPort,
        kafkaPort,
        kafkaPortFallback,
        tiers,
        name,
        tuning,
        apiKeys,
        metricsPort,
        OptionalInt.of(port),
        tls,
        quotas);
  }

  /** These settings with TLS on the public and ChunkSink ports (see {@link #tls}). */
  public ClusterSettings withTls(ServerTls serverTls) {
    return new ClusterSettings(
        model,
        dataDir,
        host,
        gatewayPort,
        chunkSinkPort,
        kafkaPort,
        kafkaPortFallback,
        tiers,
        name,
        tuning,
        apiKeys,
        metricsPort,
        httpPort,
        Optional.of(serverTls),
        quotas);
  }

  /** These settings with the gateway enforcing {@code q}. */
  public ClusterSettings withQuotas(Quotas q) {
    return new ClusterSettings(
        model,
        dataDir,
        host,
        gatewayPort,
        chunkSinkPort,
        kafkaPort,
        kafkaPortFallback,
        tiers,
        name,
        tuning,
        apiKeys,
        metricsPort,
        httpPort,
        tls,
        q);
  }

  private static void checkPort(String field, int port) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException(field + " must be 0 (free port) or 1..65535, got " + port);
    }
  }
}

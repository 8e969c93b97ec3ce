package dev.lumina.deploy.cli;

import dev.lumina.artifacts.ArtifactStore;
import dev.lumina.artifacts.ArtifactStoreException;
import dev.lumina.deploy.grpc.GrpcServerFactory;
import dev.lumina.deploy.kafka.EmbeddedKafkaConfig;
import dev.lumina.deploy.metrics.KafkaReadiness;
import dev.lumina.deploy.metrics.ManagementServer;
import dev.lumina.deploy.tls.ServerTls;
import dev.lumina.deploy.tls.TlsFileException;
import dev.lumina.gateway.ApiKeyFileException;
import dev.lumina.gateway.ApiKeys;
import dev.lumina.gateway.GatewayConfig;
import dev.lumina.gateway.GatewayServer;
import dev.lumina.proto.Tiers;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lumina gateway}: the public gRPC door ({@code lumina.v1} Generation and Models, health,
 * reflection) plus the internal ChunkSink port workers deliver to. Runs until SIGTERM or Ctrl-C.
 *
 * <p>Callers need an API key from {@code --api-keys FILE}; a gateway without one refuses to start
 * unless {@code --allow-anonymous} says every caller may be tenant {@code default}. {@code
 * --tls-cert}/{@code --tls-key} put the public port on TLS ({@code --tls-client-ca}: mutual TLS);
 * the ChunkSink port takes {@code --chunk-sink-tls-*}, or else the same certificate and key.
 *
 * <p>Exit codes: 0 stopped by a signal; 1 could not start; 2 bad command line or key file.
 */
@Command(
    name = "gateway",
    mixinStandardHelpOptions = true,
    description = "Run a gateway: lumina.v1 gRPC API, durable accept to Kafka, chunk streaming.")
final class GatewayCommand implements Callable<Integer> {

  @Option(
      names = "--kafka",
      paramLabel = "HOST:PORT",
      defaultValue = "${env:LUMINA_KAFKA:-" + EmbeddedKafkaConfig.DEFAULT_BOOTSTRAP + "}",
      description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
  String kafka;

  @Option(
      names = "--host",
      paramLabel = "HOST",
      defaultValue = "${env:LUMINA_GATEWAY_HOST:-" + GatewayConfig.DEFAULT_BIND_HOST + "}",
      description = "Address both ports bind to (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--advertised-host",
      paramLabel = "HOST",
      defaultValue = "${env:LUMINA_GATEWAY_ADVERTISED_HOST:-}",
      description = "Host workers use to reach ChunkSink (default: --host).")
  String advertisedHost;

  @Option(
      names = "--port",
      paramLabel = "N",
      defaultValue = "${env:LUMINA_GATEWAY_PORT:-" + GatewayConfig.DEFAULT_PORT + "}",
      description = "Public gRPC port, 0 = any free port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--chunk-sink-port",
      paramLabel = "N",
      defaultValue =
          "${env:LUMINA_GATEWAY_CHUNK_SINK_PORT:-" + GatewayConfig.DEFAULT_CHUNK_SINK_PORT + "}",
      description =
          "Internal ChunkSink port for workers, 0 = any free port (default: ${DEFAULT-VALUE}).")
  int chunkSinkPort;

  @Option(
      names = "--tiers",
      paramLabel = "SPEC",
      defaultValue = "${env:LUMINA_TIERS:-" + Tiers.DEFAULT_SPEC + "}",
      description = "Worker tiers name=maxTokens,... smallest first (default: ${DEFAULT-VALUE}).")
  String tiers;

  @Option(
      names = "--default-model",
      paramLabel = "NAME",
      defaultValue = "${env:LUMINA_DEFAULT_MODEL:-}",
      description = "Model used when a request names none (default: first announced by name).")
  String defaultModel;

  @Option(
      names = "--max-message-bytes",
      paramLabel = "N",
      defaultValue = "" + GatewayConfig.DEFAULT_MAX_INBOUND_BYTES,
      description = "Largest public request in bytes (default: ${DEFAULT-VALUE}).")
  int maxMessageBytes;

  @Mixin ApiKeyOptions apiKeyFile;

  @Mixin QuotaOptions quotas;

  @Option(
      names = "--publish-timeout-ms",
      paramLabel = "MS",
      defaultValue = "" + GatewayConfig.DEFAULT_PUBLISH_TIMEOUT_MS,
      description =
          "Longest wait for Kafka to acknowledge an accepted job before answering UNAVAILABLE"
              + " (default: ${DEFAULT-VALUE}).")
  long publishTimeoutMs;

  @Mixin MetricsOptions metrics;

  @Mixin TlsOptions.PublicPort tls;

  @Mixin TlsOptions.ChunkSinkPort chunkSinkTls;

  @Option(
      names = "--allow-anonymous",
      description =
          "Serve without API keys: every caller is tenant 'default' (trusted networks only).")
  boolean allowAnonymous;

  @Option(
      names = "--http-port",
      paramLabel = "N",
      defaultValue = "${env:LUMINA_HTTP_PORT:-0}",
      description =
          "HTTP front: OpenAI-compatible /v1/images/generations, /v1/models and the browser"
              + " playground at /; 0 = off (default: ${DEFAULT-VALUE}).")
  int httpPort;

  /** The workers' store, read back for Watch replays and GetArtifact. */
  @Mixin ArtifactOptions artifacts;

  @Override
  public Integer call() throws InterruptedException {
    Optional<ServerTls> publicTls;
    Optional<ServerTls> sinkTls;
    try {
      publicTls = tls.load();
      sinkTls = chunkSinkTls.load(publicTls);
    } catch (TlsFileException e) {
      System.err.println("lumina gateway: " + e.getMessage());
      return 2;
    }
    ApiKeys keys;
    if (apiKeyFile.given() && allowAnonymous) {
      System.err.println(
          "lumina gateway: --api-keys and --allow-anonymous exclude each other (is "
              + ApiKeyOptions.ENV
              + " set?)");
      return 2;
    } else if (allowAnonymous) {
      keys = ApiKeys.anonymous();
    } else if (!apiKeyFile.given()) {
      System.err.println(
          "lumina gateway: no API keys: create one with `lumina keys add TENANT --file FILE`,"
              + " then pass --api-keys FILE (or set "
              + ApiKeyOptions.ENV
              + "); --allow-anonymous serves every caller as tenant 'default'");
      return 2;
    } else {
      try {
        keys = apiKeyFile.load();
      } catch (ApiKeyFileException e) {
        System.err.println("lumina gateway: --api-keys " + e.getMessage());
        return 2;
      }
    }
    GatewayConfig config;
    try {
      ArtifactStore store = artifacts.open();
      config =
          GatewayConfig.builder(kafka)
              .quotas(quotas.load())
              .publishTimeout(java.time.Duration.ofMillis(publishTimeoutMs))
              .artifacts(store)
              .httpPort(httpPort)
              .bindHost(host)
              .port(port)
              .chunkSinkPort(chunkSinkPort)
              .advertisedHost(advertisedHost)
              .defaultModel(defaultModel)
              .tiers(Tiers.parse(tiers))
              .maxInboundMessageBytes(maxMessageBytes)
              .apiKeys(keys)
              .publicCredentials(publicTls.map(ServerTls::credentials).orElse(null))
              .chunkSinkCredentials(sinkTls.map(ServerTls::credentials).orElse(null))
              .build();
    } catch (IllegalArgumentException | ArtifactStoreException e) {
      System.err.println("lumina gateway: " + e.getMessage());
      return 2;
    }
    System.err.println(
        "lumina gateway: "
            + (keys.isAnonymous()
                ? "--allow-anonymous: every caller is tenant 'default'"
                : ApiKeyOptions.describe(keys)));
    String quotaLine = QuotaOptions.describe(config.quotas());
    if (quotaLine != null) {
      System.err.println("lumina gateway: " + quotaLine);
    }
    // The management port first: while the gateway waits for Kafka, /readyz says not ready.
    java.util.concurrent.atomic.AtomicReference<GatewayServer> serving =
        new java.util.concurrent.atomic.AtomicReference<>();
    Optional<ManagementServer> management;
    try {
      management =
          metrics
              .start()
              .map(
                  m ->
                      m.readiness("kafka", new KafkaReadiness(config.kafkaBootstrap()))
                          .readiness("gateway", () -> serving.get() != null));
    } catch (RuntimeException e) {
      System.err.println("lumina gateway: " + e.getMessage());
      return 1;
    }
    GatewayServer gateway;
    try {
      gateway = GatewayServer.start(config, GrpcServerFactory.gatewayHost(), metrics.registry());
      serving.set(gateway);
    } catch (RuntimeException e) {
      management.ifPresent(ManagementServer::close);
      System.err.println("lumina gateway: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  management.ifPresent(ManagementServer::close);
                  gateway.close();
                  stopped.countDown();
                },
                "lumina-gateway-shutdown"));
    System.out.println(
        "lumina gateway: serving lumina.v1 on "
            + host
            + ":"
            + gateway.port()
            + " "
            + describe(publicTls)
            + ", ChunkSink on "
            + gateway.chunkSinkAddress()
            + " "
            + describe(sinkTls)
            + ", Kafka "
            + kafka);
    stopped.await();
    return 0;
  }

  private static String describe(Optional<ServerTls> tls) {
    return tls.map(t -> "(" + t.describe() + ")").orElse("(plaintext)");
  }
}

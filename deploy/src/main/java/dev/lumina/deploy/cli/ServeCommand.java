package dev.lumina.deploy.cli;

import dev.lumina.deploy.cluster.ClusterSettings;
import dev.lumina.deploy.cluster.ClusterTuning;
import dev.lumina.deploy.cluster.EmbeddedCluster;
import dev.lumina.deploy.demo.ShippedModel;
import dev.lumina.deploy.kafka.EmbeddedKafkaConfig;
import dev.lumina.deploy.tls.ServerTls;
import dev.lumina.deploy.tls.TlsFileException;
import dev.lumina.engine.ShardGroup;
import dev.lumina.gateway.ApiKeyFileException;
import dev.lumina.gateway.ApiKeys;
import dev.lumina.gateway.GatewayConfig;
import dev.lumina.proto.Tiers;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lumina serve [--model DIR]}: the whole cluster in one JVM ({@link EmbeddedCluster}) — an
 * embedded single-node Kafka broker, the scheduler, a gateway and one worker serving every tier of
 * the model's modalities; without {@code --model} the model shipped in the repository ({@link
 * ShippedModel}). Runs until SIGTERM or Ctrl-C, then stops the worker first (it finishes its
 * running job and streams the result through the still-open gateway; jobs accepted meanwhile stay
 * durable in the broker's data for the next start), then the gateway, the scheduler and the broker.
 *
 * <p>For local use every caller is tenant {@code default}; {@code --api-keys FILE} makes the
 * gateway check keys as {@code lumina gateway} does. {@code --tls-cert}/{@code --tls-key} (and
 * {@code --tls-client-ca} for mutual TLS) put the public port on TLS; the internal ChunkSink port
 * then speaks TLS too, with the same certificate, admitting only the embedded worker.
 *
 * <p>Exit codes: 0 stopped by a signal; 1 a role did not start; 2 bad command line, model or key
 * file.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Run everything in one process: Kafka broker, scheduler, gateway and one worker.")
final class ServeCommand implements Callable<Integer> {

  @Mixin ModelOptions model;

  @Mixin EngineOptions engine;

  @Mixin ParallelOptions parallel;

  @Mixin BatchingOptions batching;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      defaultValue = "${env:LUMINA_DATA_DIR:-data}",
      description =
          "Broker data (kafka/) and artifacts (artifacts/) live here (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--host",
      paramLabel = "HOST",
      defaultValue = "${env:LUMINA_HOST:-" + GatewayConfig.DEFAULT_BIND_HOST + "}",
      description = "Address every port binds to (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--port",
      paramLabel = "N",
      defaultValue = "${env:LUMINA_GATEWAY_PORT:-" + GatewayConfig.DEFAULT_PORT + "}",
      description = "Public gRPC port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--chunk-sink-port",
      paramLabel = "N",
      defaultValue = "0",
      description = "Internal ChunkSink port, 0 = any free port (default: ${DEFAULT-VALUE}).")
  int chunkSinkPort;

  @Option(
      names = "--kafka-port",
      paramLabel = "N",
      defaultValue = "${env:LUMINA_KAFKA_PORT}",
      description =
          "Broker client port, so more workers can join; 0 = any free port (default: "
              + EmbeddedKafkaConfig.DEFAULT_BROKER_PORT
              + ", or a free port when that one is taken).")
  Integer kafkaPort;

  @Option(
      names = "--tiers",
      paramLabel = "SPEC",
      defaultValue = "${env:LUMINA_TIERS:-" + Tiers.DEFAULT_SPEC + "}",
      description = "Worker tiers name=maxTokens,... smallest first (default: ${DEFAULT-VALUE}).")
  String tiers;

  @Option(
      names = "--metrics-port",
      paramLabel = "N",
      defaultValue = "${env:LUMINA_METRICS_PORT:-0}",
      description =
          "Management port for every role: /metrics (Prometheus), /healthz, /readyz; 0 = off"
              + " (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(
      names = "--http-port",
      paramLabel = "N",
      defaultValue = "${env:LUMINA_HTTP_PORT:-8080}",
      description =
          "HTTP front: OpenAI-compatible /v1/images/generations, /v1/models and the browser"
              + " playground at /; 0 = off (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Mixin ApiKeyOptions apiKeyFile;

  @Mixin QuotaOptions quotas;

  @Mixin TlsOptions.PublicPort tls;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    Optional<ServerTls> serverTls;
    try {
      serverTls = tls.load();
    } catch (TlsFileException e) {
      System.err.println("lumina serve: " + e.getMessage());
      return 2;
    }
    ApiKeys keys = ApiKeys.anonymous();
    if (apiKeyFile.given()) {
      try {
        keys = apiKeyFile.load();
      } catch (ApiKeyFileException e) {
        System.err.println("lumina serve: --api-keys " + e.getMessage());
        return 2;
      }
      err.println("lumina serve: " + ApiKeyOptions.describe(keys));
    } else {
      err.println("lumina serve: no --api-keys: every caller is tenant 'default' (local use only)");
    }
    try {
      batching.validate();
    } catch (IllegalArgumentException e) {
      System.err.println("lumina serve: " + e.getMessage());
      return 2;
    }
    ClusterSettings settings;
    Optional<ShardGroup> shards;
    try {
      engine.apply();
      shards = parallel.group();
      boolean fallback = kafkaPort == null;
      settings =
          new ClusterSettings(
              model.layoutOrShipped(),
              dataDir,
              host,
              port,
              chunkSinkPort,
              fallback ? EmbeddedKafkaConfig.DEFAULT_BROKER_PORT : kafkaPort,
              fallback,
              Tiers.parse(tiers),
              "serve",
              ClusterTuning.DEFAULTS.withStepBatching(batching.maxBatch, batching.batchTokens),
              keys,
              metricsPort == 0 ? OptionalInt.empty() : OptionalInt.of(metricsPort));
      if (httpPort != 0) {
        settings = settings.withHttpPort(httpPort);
      }
      if (serverTls.isPresent()) {
        settings = settings.withTls(serverTls.get());
      }
      settings = settings.withQuotas(quotas.load());
      String quotaLine = QuotaOptions.describe(settings.quotas());
      if (quotaLine != null) {
        err.println("lumina serve: " + quotaLine);
      }
    } catch (IllegalArgumentException e) {
      System.err.println("lumina serve: " + e.getMessage());
      return 2;
    }
    EmbeddedCluster cluster;
    try {
      cluster = EmbeddedCluster.start(settings, err, shards.orElse(null));
    } catch (EmbeddedCluster.ModelLoadException e) {
      System.err.println("lumina serve: --model " + e.getMessage());
      return 2;
    } catch (EmbeddedCluster.StartException e) {
      System.err.println("lumina serve: " + e.getMessage());
      return 1;
    }
    System.out.println(
        "lumina serve: gateway on "
            + host
            + ":"
            + cluster.gatewayPort()
            + serverTls.map(t -> " (" + t.describe() + ")").orElse(" (plaintext)")
            + ", Kafka "
            + cluster.bootstrapServers()
            + ", model "
            + cluster.model().getName()
            + " ("
            + settings.model().root()
            + ")"
            + (cluster.httpPort().isPresent()
                ? ", playground and OpenAI-compatible API on http://"
                    + host
                    + ":"
                    + cluster.httpPort().getAsInt()
                    + "/"
                : "")
            + (cluster.metricsPort().isPresent()
                ? ", metrics on " + host + ":" + cluster.metricsPort().getAsInt()
                : "")
            + "; Ctrl-C to stop");
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  cluster.close();
                  stopped.countDown();
                },
                "lumina-serve-shutdown"));
    stopped.await();
    return 0;
  }
}

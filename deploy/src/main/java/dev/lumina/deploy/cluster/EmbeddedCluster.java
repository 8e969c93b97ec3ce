package dev.lumina.deploy.cluster;

import dev.lumina.artifacts.ArtifactStoreException;
import dev.lumina.artifacts.FileSystemArtifactStore;
import dev.lumina.deploy.grpc.GrpcServerFactory;
import dev.lumina.deploy.kafka.EmbeddedKafka;
import dev.lumina.deploy.kafka.EmbeddedKafkaConfig;
import dev.lumina.deploy.kafka.PortInUseException;
import dev.lumina.deploy.metrics.KafkaReadiness;
import dev.lumina.deploy.metrics.ManagementServer;
import dev.lumina.deploy.tls.ServerTls;
import dev.lumina.engine.ModelLayout;
import dev.lumina.engine.ShardGroup;
import dev.lumina.gateway.GatewayConfig;
import dev.lumina.gateway.GatewayServer;
import dev.lumina.proto.Topics;
import dev.lumina.proto.v1.ModelInfo;
import dev.lumina.scheduler.SchedulerConfig;
import dev.lumina.scheduler.SchedulerServer;
import dev.lumina.worker.WorkerConfig;
import dev.lumina.worker.WorkerServer;
import dev.lumina.worker.WorkerStartException;
import dev.lumina.worker.flagdit.FlagDitJobExecutor;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The whole cluster in this JVM, as {@code lumina serve}, {@code lumina demo} and {@code lumina
 * bench cluster} run it: an embedded single-node Kafka broker, the scheduler, one gateway and one
 * worker serving every tier of the model's modalities. Data lives under {@link
 * ClusterSettings#dataDir}: the broker's log in {@code kafka/}, the worker's artifacts in {@code
 * artifacts/}.
 *
 * <p>{@link #close} stops the worker first (it finishes its running job and streams the result
 * through the still-open gateway; jobs accepted meanwhile stay durable in the broker), then the
 * gateway, the scheduler, the broker and the model. Thread-safe: {@code close} may be called from a
 * shutdown hook while another thread waits; it is idempotent.
 */
public final class EmbeddedCluster implements AutoCloseable {

  /**
   * The model directory cannot be loaded or served; nothing was started. Not retriable as
   * configured.
   */
  public static final class ModelLoadException extends Exception {
    private static final long serialVersionUID = 1L;

    ModelLoadException(ModelLayout model, Throwable cause) {
      super(model.root() + ": " + cause.getMessage(), cause);
    }
  }

  /**
   * A role did not start (a port taken, the broker's data unusable); what had started is stopped
   * again.
   */
  public static final class StartException extends Exception {
    private static final long serialVersionUID = 1L;

    StartException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final List<AutoCloseable> started;
  private final WorkerServer worker;
  private final int gatewayPort;
  private final String bootstrapServers;
  private final ModelInfo model;
  private final PrintWriter notices;
  private final int metricsPort;
  private volatile int httpPort;

  private EmbeddedCluster(
      List<AutoCloseable> started,
      WorkerServer worker,
      int gatewayPort,
      String bootstrapServers,
      ModelInfo model,
      PrintWriter notices,
      int metricsPort) {
    this.metricsPort = metricsPort;
    this.notices = notices;
    this.started = started;
    this.worker = worker;
    this.gatewayPort = gatewayPort;
    this.bootstrapServers = bootstrapServers;
    this.model = model;
  }

  /**
   * Loads the model, then starts broker, scheduler, worker and gateway, in that order.
   *
   * @param notices where a fallback to a free Kafka port and failures while stopping are reported
   * @throws ModelLoadException when the model directory cannot be served (nothing started)
   * @throws StartException when a role does not start or the artifact folder cannot be created
   *     (everything started is stopped again)
   */
  public static EmbeddedCluster start(ClusterSettings s, PrintWriter notices)
      throws ModelLoadException, StartException {
    return start(s, notices, null);
  }

  /**
   * {@link #start(ClusterSettings, PrintWriter)} with the worker's jobs run across {@code shards}
   * (null: one rank), which the cluster then owns and closes.
   *
   * @throws ModelLoadException also when the group's degrees do not suit the model
   */
  public static EmbeddedCluster start(ClusterSettings s, PrintWriter notices, ShardGroup shards)
      throws ModelLoadException, StartException {
    Objects.requireNonNull(notices, "notices");
    checkPortsFree(s);
    FileSystemArtifactStore store;
    try {
      store = new FileSystemArtifactStore(s.dataDir().resolve("artifacts"));
    } catch (ArtifactStoreException e) {
      throw new StartException(e.getMessage(), e);
    }
    FlagDitJobExecutor executor;
    try {
      executor = FlagDitJobExecutor.load(s.model(), store, s.name());
    } catch (IOException | RuntimeException e) {
      if (shards != null) {
        shards.close();
      }
      throw new ModelLoadException(s.model(), e);
    }
    if (shards != null) {
      try {
        executor.useShardGroup(shards);
      } catch (RuntimeException e) {
        shards.close();
        executor.close();
        throw new ModelLoadException(s.model(), e);
      }
    }
    if (shards == null && s.tuning().batchTokens() > 0) {
      executor.useStepBatching(s.tuning().batchTokens(), s.tuning().maxBatch());
    }
    List<AutoCloseable> started = new ArrayList<>();
    started.add(executor);
    MeterRegistry registry =
        s.metricsPort().isPresent() ? ManagementServer.newRegistry() : new CompositeMeterRegistry();
    try {
      EmbeddedKafka kafka = startKafka(s, started, notices);
      String bootstrap = kafka.bootstrapServers();
      started.add(
          SchedulerServer.start(
              SchedulerConfig.builder(bootstrap)
                  .tiers(s.tiers())
                  .releaseWindow(s.tuning().releaseWindow())
                  .build(),
              registry));
      ModelInfo info = executor.modelCard().orElseThrow().getInfo();
      List<String> topics =
          Topics.work(
              info.getModalitiesList(), s.tiers().tiers().stream().map(t -> t.name()).toList());
      WorkerConfig workerConfig =
          WorkerConfig.builder(bootstrap, topics, s.name() + "-worker")
              .pollTimeout(s.tuning().workerPoll())
              .maxBatch(s.tuning().maxBatch())
              .chunkSinkCredentials(
                  s.tls().map(ServerTls::selfPinnedClientCredentials).orElse(null))
              .build();
      WorkerServer worker = new WorkerServer(workerConfig, executor, registry);
      started.add(worker);
      worker.start();
      GatewayServer gateway =
          GatewayServer.start(
              GatewayConfig.builder(bootstrap)
                  .bindHost(s.host())
                  .port(s.gatewayPort())
                  .chunkSinkPort(s.chunkSinkPort())
                  .tiers(s.tiers())
                  .apiKeys(s.apiKeys())
                  .quotas(s.quotas())
                  .artifacts(store)
                  .httpPort(s.httpPort().isPresent() ? httpPortFor(s) : 0)
                  .publicCredentials(s.tls().map(ServerTls::credentials).orElse(null))
                  .chunkSinkCredentials(
                      s.tls().map(ServerTls::selfPinnedServerCredentials).orElse(null))
                  .build(),
              GrpcServerFactory.gatewayHost(),
              registry);
      started.add(gateway);
      int metricsPort = -1;
      if (registry instanceof PrometheusMeterRegistry prometheus) {
        KafkaReadiness broker = new KafkaReadiness(bootstrap);
        started.add(broker);
        ManagementServer management =
            ManagementServer.start(s.host(), s.metricsPort().getAsInt(), prometheus)
                .readiness("kafka", broker)
                .readiness("worker", () -> !worker.isTerminated());
        started.add(management);
        metricsPort = management.port();
      }
      EmbeddedCluster cluster =
          new EmbeddedCluster(
              started, worker, gateway.port(), bootstrap, info, notices, metricsPort);
      cluster.httpPort = gateway.httpPort();
      return cluster;
    } catch (WorkerStartException | RuntimeException e) {
      closeAll(started, notices);
      throw new StartException(e.getMessage(), e);
    }
  }

  /**
   * Fails at once, before the model and the broker start, when a port the settings name is taken: a
   * busy port found only after loading a model costs seconds to report.
   */
  private static void checkPortsFree(ClusterSettings s) throws StartException {
    java.util.Map<String, Integer> fixed = new java.util.LinkedHashMap<>();
    fixed.put("gateway port", s.gatewayPort());
    fixed.put("ChunkSink port", s.chunkSinkPort());
    if (!s.kafkaPortFallback()) {
      fixed.put("Kafka port", s.kafkaPort());
    }
    s.metricsPort().ifPresent(p -> fixed.put("metrics port", p));
    s.httpPort().ifPresent(p -> fixed.put("HTTP port", p));
    for (Map.Entry<String, Integer> e : fixed.entrySet()) {
      if (e.getValue() == 0) {
        continue;
      }
      try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
        probe.setReuseAddress(true);
        probe.bind(new java.net.InetSocketAddress(s.host(), e.getValue()));
      } catch (IOException ex) {
        throw new StartException(
            e.getKey()
                + " "
                + s.host()
                + ":"
                + e.getValue()
                + " is already in use ("
                + ex.getMessage()
                + ")",
            ex);
      }
    }
  }

  private static EmbeddedKafka startKafka(
      ClusterSettings s, List<AutoCloseable> started, PrintWriter notices) {
    EmbeddedKafka kafka =
        new EmbeddedKafka(
            new EmbeddedKafkaConfig(
                s.dataDir().resolve("kafka"), s.host(), s.kafkaPort(), 0, Map.of()));
    started.add(kafka);
    try {
      kafka.start();
      return kafka;
    } catch (PortInUseException e) {
      if (!s.kafkaPortFallback() || s.kafkaPort() == 0) {
        throw e;
      }
      started.remove(kafka);
      kafka.close();
    }
    EmbeddedKafka free =
        new EmbeddedKafka(
            new EmbeddedKafkaConfig(s.dataDir().resolve("kafka"), s.host(), 0, 0, Map.of()));
    started.add(free);
    free.start();
    notices.println(
        "Kafka port "
            + s.host()
            + ":"
            + s.kafkaPort()
            + " is taken (another broker or `lumina serve`?);"
            + " the embedded broker uses "
            + free.bootstrapServers()
            + " instead (--kafka-port N picks one)");
    notices.flush();
    return free;
  }

  /** The management port ({@code /metrics}, {@code /healthz}, {@code /readyz}); empty when off. */
  public OptionalInt metricsPort() {
    return metricsPort < 0 ? OptionalInt.empty() : OptionalInt.of(metricsPort);
  }

  /**
   * The port {@link ClusterSettings#httpPort} asks for, a free one for 0 (GatewayConfig's 0 means
   * off).
   */
  private static int httpPortFor(ClusterSettings s) {
    int p = s.httpPort().getAsInt();
    if (p != 0) {
      return p;
    }
    try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
      probe.bind(new java.net.InetSocketAddress(s.host(), 0));
      return probe.getLocalPort();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("no free port for the HTTP front", e);
    }
  }

  /** The gateway's HTTP front (OpenAI-compatible API and playground); empty when off. */
  public OptionalInt httpPort() {
    return httpPort > 0 ? OptionalInt.of(httpPort) : OptionalInt.empty();
  }

  /** The gateway's public port. */
  public int gatewayPort() {
    return gatewayPort;
  }

  /** {@code host:port} of the embedded broker, for more workers to join. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** The served model's catalog entry. */
  public ModelInfo model() {
    return model;
  }

  /**
   * Stops the worker (after its running job), then the gateway, scheduler, broker and model;
   * idempotent.
   */
  @Override
  public synchronized void close() {
    worker.close();
    closeAll(started, notices);
  }

  /** Closes in reverse start order; failures are reported on {@code notices} and skipped. */
  private static void closeAll(List<AutoCloseable> started, PrintWriter notices) {
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).close();
      } catch (Exception e) {
        notices.println("while stopping: " + e.getMessage());
        notices.flush();
      }
    }
    started.clear();
  }
}

package dev.lumina.deploy.cli;

import dev.lumina.deploy.bench.BenchModelDir;
import dev.lumina.deploy.bench.BenchTable;
import dev.lumina.deploy.bench.CapacityRun;
import dev.lumina.deploy.bench.ClusterBenchmark;
import dev.lumina.deploy.bench.Jit;
import dev.lumina.deploy.bench.PathFloor;
import dev.lumina.deploy.bench.PhaseResult;
import dev.lumina.deploy.cluster.ClusterSettings;
import dev.lumina.deploy.cluster.ClusterTuning;
import dev.lumina.deploy.cluster.EmbeddedCluster;
import dev.lumina.deploy.tls.ClientTls;
import dev.lumina.deploy.tls.TlsFileException;
import dev.lumina.proto.cluster.v1.ModelCard;
import dev.lumina.proto.v1.ModelInfo;
import dev.lumina.scheduler.SchedulerConfig;
import dev.lumina.worker.WorkerConfig;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lumina bench cluster}: latency and rate of short jobs through the whole serving path.
 * Without {@code --server} it starts the cluster in this process (embedded broker, scheduler,
 * gateway and one worker batching as {@code lumina serve} does, on {@code --model} or on the
 * smallest random-weight model when none is given); with it, it measures that gateway, over TLS
 * with the flags of {@code lumina generate}. Prints one row per phase and the goals.
 */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description =
        "Time to accepted, end-to-end latency, cluster overhead and jobs/s of short jobs.")
final class BenchClusterCommand implements Callable<Integer> {

  @Option(
      names = "--server",
      paramLabel = "HOST:PORT",
      description = "Gateway to measure (default: start the cluster in this process).")
  String server;

  @Option(
      names = "--api-key",
      paramLabel = "KEY",
      defaultValue = "${env:LUMINA_API_KEY}",
      description = "Sent as x-api-key with every job, for a gateway with --api-keys.")
  String apiKey;

  @Option(
      names = "--model",
      paramLabel = "DIR",
      description =
          "Model directory for the in-process worker (default: a random-weight dim-32 model).")
  Path model;

  @Option(
      names = "--warmup",
      defaultValue = "30",
      description = "Untimed jobs first (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--settle-jobs",
      defaultValue = "600",
      description =
          "After the warm-up, at most this many further untimed jobs, in rounds of "
              + ClusterBenchmark.SETTLE_ROUND
              + ", until the JIT compiler is quiet (compiling at most "
              + ClusterBenchmark.SETTLED_JIT_PERCENT
              + "%% of a round); 0 = none"
              + " (default: ${DEFAULT-VALUE}).")
  int settleJobs;

  @Option(
      names = "--jobs",
      defaultValue = "200",
      description = "Jobs sent one after the other (default: ${DEFAULT-VALUE}).")
  int jobs;

  @Option(
      names = "--clients",
      defaultValue = "16",
      description = "Concurrent clients of the saturated phase (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(
      names = "--saturated-jobs",
      defaultValue = "400",
      description = "Jobs of the saturated phase (default: ${DEFAULT-VALUE}).")
  int saturatedJobs;

  @Option(
      names = "--width",
      defaultValue = "0",
      description = "Width, 0 = model default (default: ${DEFAULT-VALUE}).")
  int width;

  @Option(
      names = "--height",
      defaultValue = "0",
      description = "Height, 0 = model default (default: ${DEFAULT-VALUE}).")
  int height;

  @Option(
      names = "--steps",
      defaultValue = "2",
      description = "Sampling grid points (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--job-timeout",
      paramLabel = "SECONDS",
      defaultValue = "60",
      description = "Longest wait for one job (default: ${DEFAULT-VALUE}).")
  long jobTimeoutSeconds;

  @Option(
      names = "--release-window",
      defaultValue = "" + SchedulerConfig.DEFAULT_RELEASE_WINDOW,
      description =
          "In-process scheduler: most unstarted jobs per work topic (default: ${DEFAULT-VALUE}).")
  int releaseWindow;

  @Option(
      names = "--worker-poll-ms",
      defaultValue = "" + WorkerConfig.DEFAULT_POLL_TIMEOUT_MS,
      description =
          "In-process worker: longest poll while idle (a finished job is noticed at once whatever "
              + "this is); the worker's own default (default: ${DEFAULT-VALUE}).")
  long workerPollMs;

  /** The in-process worker's batching, with the defaults of {@code lumina serve}. */
  @Mixin BatchingOptions batching;

  @Option(
      names = "--floor-rounds",
      defaultValue = "200",
      description =
          "In-process cluster: round trips of each kind measuring the path's floor on the same"
              + " broker (bare Kafka, transactional Kafka, gRPC); 0 = skip (default:"
              + " ${DEFAULT-VALUE}).")
  int floorRounds;

  @Option(
      names = "--capacity-jobs",
      defaultValue = "2000",
      description =
          "In-process: jobs of the capacity phase, on a second cluster whose 2 workers run a"
              + " model that costs nothing; 0 = skip (default: ${DEFAULT-VALUE}).")
  int capacityJobs;

  @Option(
      names = "--capacity-warmup",
      defaultValue = "1000",
      description =
          "Untimed jobs of the capacity phase before the timed ones, so the figure is the"
              + " formed cluster's steady rate rather than its first seconds (default:"
              + " ${DEFAULT-VALUE}).")
  int capacityWarmup;

  @Option(
      names = "--capacity-clients",
      defaultValue = "64",
      description = "Concurrent clients of the capacity phase (default: ${DEFAULT-VALUE}).")
  int capacityClients;

  @Mixin TlsOptions.Client tls;

  @Override
  public Integer call() throws InterruptedException {
    ClusterBenchmark.Settings settings;
    CapacityRun.Settings capacity;
    ClusterTuning tuning;
    try {
      batching.validate();
      capacity =
          new CapacityRun.Settings(
              capacityJobs, capacityWarmup, capacityClients, Duration.ofSeconds(jobTimeoutSeconds));
      settings =
          new ClusterBenchmark.Settings(
              warmup,
              settleJobs,
              jobs,
              clients,
              saturatedJobs,
              width,
              height,
              steps,
              Duration.ofSeconds(jobTimeoutSeconds));
      tuning =
          new ClusterTuning(
              releaseWindow,
              Duration.ofMillis(workerPollMs),
              batching.maxBatch,
              batching.batchTokens);
    } catch (IllegalArgumentException e) {
      System.err.println("lumina bench cluster: " + e.getMessage());
      return 2;
    }
    ClientTls transport;
    try {
      transport = tls.load();
    } catch (TlsFileException e) {
      System.err.println("lumina bench cluster: " + e.getMessage());
      return 2;
    }
    if (server != null && !server.isBlank()) {
      return measure(server, apiKey, settings, transport.credentials(), null);
    }
    if (transport.isTls()) {
      System.err.println(
          "lumina bench cluster: the TLS flags are for --server; the in-process cluster is"
              + " plaintext");
      return 2;
    }
    EmbeddedCluster cluster;
    try {
      Path data = Files.createTempDirectory("lumina-bench-cluster-");
      Path dir = model != null ? model : BenchModelDir.write(data.resolve("model"));
      cluster =
          EmbeddedCluster.start(
              ClusterSettings.ephemeral(dir, data, "bench", tuning),
              new PrintWriter(System.err, true, StandardCharsets.UTF_8));
    } catch (IOException
        | IllegalArgumentException
        | EmbeddedCluster.ModelLoadException
        | EmbeddedCluster.StartException e) {
      System.err.println("lumina bench cluster: " + e.getMessage());
      return 1;
    }
    int code;
    ModelInfo info;
    try (cluster) {
      System.out.println(
          "in-process cluster: gateway 127.0.0.1:"
              + cluster.gatewayPort()
              + ", release window "
              + releaseWindow
              + ", worker poll "
              + workerPollMs
              + " ms, max batch "
              + batching.maxBatch
              + (batching.batchTokens > 0
                  ? ", step batching " + batching.batchTokens + " tokens"
                  : "")
              + "; JIT "
              + Jit.describe());
      String bootstrap = cluster.bootstrapServers();
      info = cluster.model();
      code =
          measure(
              "127.0.0.1:" + cluster.gatewayPort(),
              null,
              settings,
              transport.credentials(),
              floorRounds > 0 ? () -> PathFloor.measure(bootstrap, floorRounds) : null);
    }
    if (code != 0 || capacity.jobs() == 0) {
      return code;
    }
    return capacity(info, capacity);
  }

  /**
   * The capacity phase: {@code --capacity-jobs} jobs from {@code --capacity-clients} clients
   * through a second in-process cluster whose two workers run {@code IdentityExecutor}; counts
   * every job's completed chunk (none lost, none twice).
   */
  private int capacity(ModelInfo info, CapacityRun.Settings settings) throws InterruptedException {
    System.out.println(
        "capacity: "
            + settings.jobs()
            + " jobs, "
            + settings.clients()
            + " clients, "
            + CapacityRun.WORKERS
            + " workers whose model costs nothing (timed once both hold partitions and "
            + settings.warmupJobs()
            + " untimed jobs have gone through)");
    try (CapacityRun rig =
        CapacityRun.start(
            Files.createTempDirectory("lumina-bench-capacity-"),
            ModelCard.newBuilder().setInfo(info).build(),
            releaseWindow)) {
      CapacityRun.Phase phase = rig.run(settings);
      System.out.print(phase.describe());
      return phase.exact() ? 0 : 1;
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      System.err.println("lumina bench cluster: capacity phase: " + e);
      return 1;
    }
  }

  /** Measures the floor of the path (on the cluster's own broker). */
  @FunctionalInterface
  private interface FloorProbe {
    PathFloor measure() throws InterruptedException;
  }

  private static int measure(
      String address,
      String apiKey,
      ClusterBenchmark.Settings settings,
      ChannelCredentials credentials,
      FloorProbe floorProbe)
      throws InterruptedException {
    int colon = address.lastIndexOf(':');
    int port;
    try {
      port = colon <= 0 ? -1 : Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      System.err.println(
          "lumina bench cluster: --server must be HOST:PORT with PORT in 1..65535, got " + address);
      return 2;
    }
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(address.substring(0, colon), port, credentials).build();
    try {
      Channel calls = channel;
      if (apiKey != null && !apiKey.isEmpty()) {
        Metadata h = new Metadata();
        h.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), apiKey);
        calls = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(h));
      }
      List<PhaseResult> phases = ClusterBenchmark.run(calls, settings, System.out);
      PathFloor floor = null;
      if (floorProbe != null) {
        System.out.println("floor: bare Kafka, transactional Kafka and gRPC round trips");
        floor = floorProbe.measure();
      }
      System.out.println();
      System.out.print(BenchTable.format(phases, floor));
      return phases.stream().allMatch(p -> p.completed() > 0) ? 0 : 1;
    } catch (IllegalStateException e) {
      System.err.println("lumina bench cluster: " + e.getMessage());
      return 1;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}

package dev.lumina.it.procs;

import static org.awaitility.Awaitility.await;

import dev.lumina.proto.v1.ListModelsRequest;
import dev.lumina.proto.v1.ModelsGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The whole cluster as separate JVMs on loopback: {@code lumina kafka} (a real broker on free
 * ports), one {@code lumina scheduler}, N {@code lumina gateway}s and M {@code lumina worker}s that
 * serve one model directory on tiers {@code s} and {@code m}, each worker with its own artifact
 * folder {@code <dir>/<worker>-artifacts}. Every process's output is in {@code <dir>/<role>.log}.
 *
 * <p>{@link #start} returns once the broker printed its address, the scheduler replayed its topics,
 * every gateway reports gRPC health SERVING and lists the workers' model, and every worker
 * announced it. {@link #close} closes the client channels, then stops workers, gateways, scheduler
 * and broker (SIGTERM, SIGKILL after a grace period). Not thread-safe: one test class drives it.
 */
final class ClusterProcesses implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(150);
  private static final Pattern BROKER_READY = Pattern.compile("bootstrap servers (\\S+) \\(data");
  private static final Pattern GATEWAY_READY =
      Pattern.compile("serving lumina\\.v1 on [^:]+:(\\d+)[ ,]");
  private static final Pattern SCHEDULER_READY = Pattern.compile("lumina scheduler: placing jobs");

  private final Path dir;
  private final Path modelDir;
  private final List<RoleProcess> started = new ArrayList<>();
  private final Map<String, RoleProcess> workers = new LinkedHashMap<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private String bootstrap;
  private RoleProcess broker;
  private int brokerPort;
  private int controllerPort;
  private int brokerStarts = 1;
  private RoleProcess scheduler;
  private int schedulerStarts = 1;

  private final List<String> tierFlags;

  private ClusterProcesses(Path dir, Path modelDir, String tiers) {
    this.dir = dir;
    this.modelDir = modelDir;
    this.tierFlags = tiers == null ? List.of() : List.of("--tiers", tiers);
  }

  /**
   * Writes the model, starts the processes and waits until the cluster takes jobs.
   *
   * @throws AssertionError naming the role and quoting its log if one fails to start
   */
  static ClusterProcesses start(Path dir, int gateways, int workers) throws java.io.IOException {
    return start(dir, gateways, workers, null);
  }

  /**
   * {@link #start(Path, int, int)} with the scheduler's and gateways' tier bounds set to {@code
   * tiers} (e.g. {@code s=512,m=768,l=4096,xl=131072}; null: the defaults).
   */
  static ClusterProcesses start(Path dir, int gateways, int workers, String tiers)
      throws java.io.IOException {
    ClusterProcesses c = new ClusterProcesses(dir, ProcsModel.write(dir.resolve("model")), tiers);
    try {
      c.startAll(gateways, workers);
      return c;
    } catch (RuntimeException | Error e) {
      c.close();
      throw e;
    }
  }

  private void startAll(int gatewayCount, int workerCount) {
    // Fixed ports, so a restarted broker is found where the clients knew it.
    brokerPort = freePort();
    controllerPort = freePort();
    broker = launchBroker("kafka");
    // The scheduler first: it creates the work topics the workers subscribe to.
    scheduler = launchScheduler("scheduler");
    List<RoleProcess> gws = new ArrayList<>();
    for (int i = 0; i < gatewayCount; i++) {
      gws.add(
          launch(
              "gateway-" + i,
              "192m",
              withTiers(
                  List.of(
                      "gateway",
                      "--kafka",
                      bootstrap,
                      "--port",
                      "0",
                      "--chunk-sink-port",
                      "0",
                      "--allow-anonymous"))));
    }
    for (int i = 0; i < workerCount; i++) {
      startWorker("worker-" + i);
    }
    for (RoleProcess g : gws) {
      int port = Integer.parseInt(g.awaitLine(GATEWAY_READY, START_TIMEOUT).group(1));
      channels.add(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build());
    }
    for (RoleProcess w : this.workers.values()) {
      awaitWorker(w);
    }
    for (ManagedChannel ch : channels) {
      await()
          .atMost(START_TIMEOUT)
          .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
          .until(
              () ->
                  HealthGrpc.newBlockingStub(ch)
                          .withDeadlineAfter(5, TimeUnit.SECONDS)
                          .check(HealthCheckRequest.getDefaultInstance())
                          .getStatus()
                      == ServingStatus.SERVING);
    }
    if (workerCount > 0) {
      awaitModel();
    }
  }

  /** Waits until every gateway lists the workers' model (announced on lumina.models). */
  void awaitModel() {
    for (ManagedChannel ch : channels) {
      await()
          .atMost(START_TIMEOUT)
          .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
          .until(
              () ->
                  ModelsGrpc.newBlockingStub(ch)
                      .withDeadlineAfter(5, TimeUnit.SECONDS)
                      .listModels(ListModelsRequest.getDefaultInstance())
                      .getModelsList()
                      .stream()
                      .anyMatch(m -> m.getName().equals(ProcsModel.NAME)));
    }
  }

  private RoleProcess launchBroker(String name) {
    RoleProcess b =
        launch(
            name,
            "256m",
            List.of(
                "kafka",
                "--data-dir",
                dir.resolve("kafka").toString(),
                "--port",
                Integer.toString(brokerPort),
                "--controller-port",
                Integer.toString(controllerPort)));
    bootstrap = b.awaitLine(BROKER_READY, START_TIMEOUT).group(1);
    return b;
  }

  private List<String> withTiers(List<String> args) {
    List<String> all = new ArrayList<>(args);
    all.addAll(tierFlags);
    return all;
  }

  static int freePort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Stops the broker: SIGKILL when {@code kill}, else SIGTERM (a clean shutdown); returns once the
   * process is gone.
   */
  void stopBroker(boolean kill) {
    if (kill) {
      broker.kill();
    } else {
      broker.close();
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> !broker.isAlive());
  }

  private RoleProcess launchScheduler(String name) {
    RoleProcess s = launch(name, "192m", withTiers(List.of("scheduler", "--kafka", bootstrap)));
    s.awaitLine(SCHEDULER_READY, START_TIMEOUT);
    return s;
  }

  /** SIGKILLs the scheduler; returns once the process is gone. */
  void killScheduler() {
    scheduler.kill();
    await().atMost(Duration.ofSeconds(60)).until(() -> !scheduler.isAlive());
  }

  /**
   * Starts the scheduler again (the same instance id, so the same transactional id: a transaction
   * the killed one left open is aborted); returns once it places jobs.
   */
  void restartScheduler() {
    scheduler = launchScheduler("scheduler-" + (++schedulerStarts));
  }

  /** Starts the broker again on the same data and ports; returns once it serves. */
  void restartBroker() {
    broker = launchBroker("kafka-" + (++brokerStarts));
  }

  /** Starts one more worker process named {@code id}; see {@link #awaitWorker}. */
  RoleProcess startWorker(String id) {
    return startWorker(id, artifacts(id), List.of());
  }

  /**
   * Starts one more worker process named {@code id} storing its artifacts in {@code artifacts},
   * with more flags {@code extra} (tiers {@code s,m} unless they name {@code --tiers} or {@code
   * --topics}); see {@link #awaitWorker}.
   */
  RoleProcess startWorker(String id, Path artifacts, List<String> extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "worker",
                "--kafka",
                bootstrap,
                "--model",
                modelDir.toString(),
                "--worker-id",
                id,
                "--artifacts",
                artifacts.toString(),
                "--drain-timeout",
                "5"));
    if (!extra.contains("--tiers") && !extra.contains("--topics")) {
      args.addAll(List.of("--tiers", "s,m"));
    }
    args.addAll(extra);
    RoleProcess w = launch(id, "256m", args);
    workers.put(id, w);
    return w;
  }

  /** Waits until the worker announced its model and subscribed. */
  static void awaitWorker(RoleProcess worker) {
    worker.awaitLine(
        Pattern.compile("lumina worker " + Pattern.quote(worker.name()) + ": model"),
        START_TIMEOUT);
  }

  private RoleProcess launch(String name, String heap, List<String> args) {
    RoleProcess p = RoleProcess.start(name, dir, heap, args);
    started.add(p);
    return p;
  }

  /** Kafka bootstrap servers of the broker process. */
  String bootstrap() {
    return bootstrap;
  }

  /** The process id of gateway {@code i}. */
  long gatewayPid(int i) {
    return started.stream()
        .filter(p -> p.name().equals("gateway-" + i))
        .findFirst()
        .orElseThrow()
        .pid();
  }

  /** A plaintext channel to gateway {@code i}'s public port. */
  ManagedChannel gateway(int i) {
    return channels.get(i);
  }

  /** The worker processes by worker id, in start order. */
  Map<String, RoleProcess> workers() {
    return Map.copyOf(workers);
  }

  /** The artifact folder of worker {@code id}. */
  Path artifacts(String workerId) {
    return dir.resolve(workerId + "-artifacts");
  }

  /** The tail of every process's log, for a failure message. */
  String logs() {
    StringBuilder b = new StringBuilder();
    started.forEach(p -> b.append(p.tail(30)).append('\n'));
    return b.toString();
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdownNow);
    // Reverse start order: workers and gateways before the scheduler, the broker last.
    for (int i = started.size() - 1; i >= 0; i--) {
      if (!started.get(i).name().startsWith("kafka")) {
        started.get(i).close();
      }
    }
    started.stream().filter(p -> p.name().startsWith("kafka")).forEach(RoleProcess::close);
  }
}

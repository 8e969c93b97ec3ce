package dev.lumina.deploy.bench;

import dev.lumina.deploy.grpc.GrpcServerFactory;
import dev.lumina.deploy.kafka.EmbeddedKafka;
import dev.lumina.deploy.kafka.EmbeddedKafkaConfig;
import dev.lumina.gateway.GatewayConfig;
import dev.lumina.gateway.GatewayServer;
import dev.lumina.proto.Tiers;
import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.ModelCard;
import dev.lumina.scheduler.SchedulerConfig;
import dev.lumina.scheduler.SchedulerServer;
import dev.lumina.worker.WorkerConfig;
import dev.lumina.worker.WorkerServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;

/**
 * The cluster of the capacity phase, in this process: a broker, a scheduler, a gateway and {@code
 * workers} workers running {@link IdentityExecutor}, so the jobs/s it carries are what the gateway
 * + Kafka + scheduler path can do when the model costs nothing. {@link #close} stops all.
 */
public final class CapacityRun implements AutoCloseable {
  /** Identity workers of the phase. */
  public static final int WORKERS = 2;

  private final List<AutoCloseable> started = new ArrayList<>();
  private int gatewayPort;

  private CapacityRun() {}

  /**
   * Starts the rig on free ports with its data under {@code dataDir}.
   *
   * @param card the model the identity workers pretend to serve
   * @param releaseWindow the scheduler's release window
   */
  public static CapacityRun start(Path dataDir, ModelCard card, int releaseWindow)
      throws Exception {
    int workers = WORKERS;
    CapacityRun rig = new CapacityRun();
    try {
      EmbeddedKafka kafka =
          new EmbeddedKafka(
              new EmbeddedKafkaConfig(dataDir.resolve("kafka"), "127.0.0.1", 0, 0, Map.of()));
      rig.started.add(kafka);
      kafka.start();
      String bootstrap = kafka.bootstrapServers();
      Tiers tiers = Tiers.defaults();
      rig.started.add(
          SchedulerServer.start(
              SchedulerConfig.builder(bootstrap)
                  .tiers(tiers)
                  .releaseWindow(releaseWindow)
                  .instance("capacity")
                  .build()));
      List<String> topics =
          Topics.work(
              card.getInfo().getModalitiesList(),
              tiers.tiers().stream().map(t -> t.name()).toList());
      for (int i = 0; i < workers; i++) {
        WorkerServer w =
            new WorkerServer(
                WorkerConfig.builder(bootstrap, topics, "capacity-worker-" + i).build(),
                new IdentityExecutor(card));
        rig.started.add(w);
        w.start();
      }
      GatewayServer gateway =
          GatewayServer.start(
              GatewayConfig.local(bootstrap).toBuilder()
                  .staticModels(List.of(card))
                  .tiers(tiers)
                  .build(),
              GrpcServerFactory.gatewayHost());
      rig.started.add(gateway);
      rig.gatewayPort = gateway.port();
      awaitFormed(bootstrap, workers, Duration.ofSeconds(60));
      return rig;
    } catch (Exception | Error e) {
      rig.close();
      throw e;
    }
  }

  /**
   * Waits until the workers' consumer group is stable with {@code workers} members, each holding
   * partitions: a worker joining later would pause the pool for a rebalance (about one heartbeat
   * interval, {@code WorkerConfig.HEARTBEAT_INTERVAL}) inside the timed phase, which measures a
   * formed cluster.
   */
  static void awaitFormed(String bootstrap, int workers, Duration timeout)
      throws InterruptedException, ExecutionException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      String state = "unknown";
      while (System.nanoTime() < deadline) {
        ConsumerGroupDescription g =
            admin
                .describeConsumerGroups(List.of(WorkerConfig.DEFAULT_GROUP_ID))
                .describedGroups()
                .get(WorkerConfig.DEFAULT_GROUP_ID)
                .get();
        long holding =
            g.members().stream().filter(m -> !m.assignment().topicPartitions().isEmpty()).count();
        if (g.groupState() == GroupState.STABLE && holding == workers) {
          return;
        }
        state = g.groupState() + ", " + holding + " of " + workers + " workers holding partitions";
        TimeUnit.MILLISECONDS.sleep(50);
      }
      throw new IllegalStateException(
          "the capacity workers did not form a stable group within "
              + timeout
              + " ("
              + state
              + ")");
    }
  }

  int gatewayPort() {
    return gatewayPort;
  }

  /**
   * What the phase saw.
   *
   * @param jobs jobs sent
   * @param completed jobs whose stream brought exactly one completed chunk
   * @param lost jobs whose stream ended without one (refused, failed, timed out)
   * @param duplicated jobs whose stream brought more than one
   * @param wallSeconds the phase's duration
   */
  public record Result(int jobs, int completed, int lost, int duplicated, double wallSeconds) {
    public double jobsPerSecond() {
      return wallSeconds <= 0 ? 0 : completed / wallSeconds;
    }

    /** The printed line of an untimed warm-up run. */
    public String describeWarmup() {
      return String.format(
          java.util.Locale.ROOT,
          "warm-up     %d jobs in %.1f s: %.1f jobs/s (untimed), %d completed once, %d lost, %d"
              + " duplicated%n",
          jobs,
          wallSeconds,
          jobsPerSecond(),
          completed,
          lost,
          duplicated);
    }

    /** The printed lines, with the goal. */
    public String describe() {
      double rate = jobsPerSecond();
      return String.format(
          java.util.Locale.ROOT,
          "capacity    %d jobs in %.1f s: %.1f jobs/s, %d completed once, %d lost, %d"
              + " duplicated%n  %-27s %9.2f  goal >= %.1f  %s%n",
          jobs,
          wallSeconds,
          rate,
          completed,
          lost,
          duplicated,
          "jobs/s (capacity)",
          rate,
          BenchTable.GOAL_JOBS_PER_SECOND,
          rate >= BenchTable.GOAL_JOBS_PER_SECOND && lost == 0 && duplicated == 0
              ? "met"
              : "NOT met");
    }
  }

  /** Sends {@code jobs} jobs from {@code clients} clients, each keeping one job in flight. */
  public Result run(int jobs, int clients, java.time.Duration jobTimeout)
      throws InterruptedException {
    io.grpc.ManagedChannel ch =
        io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", gatewayPort)
            .usePlaintext()
            .build();
    java.util.concurrent.atomic.AtomicInteger next =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger once =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger lost =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger twice =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(
            clients,
            r -> {
              Thread t = new Thread(r, "lumina-bench-capacity");
              t.setDaemon(true);
              return t;
            });
    String run = Long.toHexString(System.nanoTime());
    long t0 = System.nanoTime();
    try {
      for (int c = 0; c < clients; c++) {
        pool.execute(
            () -> {
              int n;
              while ((n = next.getAndIncrement()) < jobs) {
                int completed = 0;
                try {
                  var it =
                      dev.lumina.proto.v1.GenerationGrpc.newBlockingStub(ch)
                          .withDeadlineAfter(jobTimeout)
                          .generate(
                              dev.lumina.proto.v1.GenerateRequest.newBuilder()
                                  .setRequestId("capacity-" + run + "-" + n)
                                  .setPrompt("a red square")
                                  .build());
                  while (it.hasNext()) {
                    if (it.next().hasCompleted()) {
                      completed++;
                    }
                  }
                } catch (io.grpc.StatusRuntimeException e) {
                  // Counted below: no completed chunk.
                }
                if (completed == 1) {
                  once.incrementAndGet();
                } else if (completed == 0) {
                  lost.incrementAndGet();
                } else {
                  twice.incrementAndGet();
                }
              }
            });
      }
      pool.shutdown();
      pool.awaitTermination(
          jobTimeout.toMillis() * (jobs / clients + 2), java.util.concurrent.TimeUnit.MILLISECONDS);
    } finally {
      pool.shutdownNow();
      ch.shutdownNow().awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
    }
    return new Result(jobs, once.get(), lost.get(), twice.get(), (System.nanoTime() - t0) / 1e9);
  }

  @Override
  public void close() {
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).close();
      } catch (Exception e) {
        // Stopping the rest matters more.
      }
    }
    started.clear();
  }
}

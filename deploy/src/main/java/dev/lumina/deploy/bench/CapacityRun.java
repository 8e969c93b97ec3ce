package dev.lumina.deploy.bench;

import dev.lumina.deploy.grpc.GrpcServerFactory;
import dev.lumina.deploy.kafka.EmbeddedKafka;
import dev.lumina.deploy.kafka.EmbeddedKafkaConfig;
import dev.lumina.gateway.GatewayConfig;
import dev.lumina.gateway.GatewayServer;
import dev.lumina.proto.Tiers;
import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.ModelCard;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.scheduler.SchedulerConfig;
import dev.lumina.scheduler.SchedulerServer;
import dev.lumina.worker.WorkerConfig;
import dev.lumina.worker.WorkerServer;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
   * What the phase runs.
   *
   * @param jobs timed jobs
   * @param warmupJobs untimed jobs sent first, through the same rig
   * @param clients concurrent clients, each keeping one job in flight
   * @param jobTimeout longest wait for one job
   */
  public record Settings(int jobs, int warmupJobs, int clients, Duration jobTimeout) {
    public Settings {
      SettingLimits.atLeast("capacity-jobs", jobs, 0);
      SettingLimits.atLeast("capacity-warmup", warmupJobs, 0);
      SettingLimits.atLeast("capacity-clients", clients, 1);
      SettingLimits.positive("job-timeout", jobTimeout);
    }
  }

  /**
   * What the phase saw.
   *
   * @param jobs jobs sent
   * @param completed jobs whose stream brought exactly one completed chunk
   * @param lost jobs whose stream ended without one (refused, failed, timed out)
   * @param duplicated jobs whose stream brought more than one
   * @param wallSeconds the phase's duration
   * @param cpuSeconds CPU time this process used meanwhile (every role, the broker and the
   *     clients), or a negative value where the JVM does not report it
   * @param brokerRequestsPerJob the broker's requests per completed job by type ({@code Produce
   *     1.02, Fetch 0.68, …}), empty when unknown
   */
  public record Result(
      int jobs,
      int completed,
      int lost,
      int duplicated,
      double wallSeconds,
      double cpuSeconds,
      String brokerRequestsPerJob) {
    public double jobsPerSecond() {
      return wallSeconds <= 0 ? 0 : completed / wallSeconds;
    }

    /**
     * CPU milliseconds of this process per completed job; a figure steadier than jobs/s on a shared
     * machine, since time the cores spend on other processes does not count. Negative when unknown.
     */
    public double cpuMillisPerJob() {
      return cpuSeconds < 0 || completed == 0 ? -1 : cpuSeconds * 1000 / completed;
    }

    /** The printed line of an untimed warm-up run. */
    public String describeWarmup() {
      return String.format(
          Locale.ROOT,
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
          Locale.ROOT,
          "capacity    %d jobs in %.1f s: %.1f jobs/s, %d completed once, %d lost, %d"
              + " duplicated; %s%n%s  %-27s %9.2f  goal >= %.1f  %s%n",
          jobs,
          wallSeconds,
          rate,
          completed,
          lost,
          duplicated,
          describeCpu(),
          brokerRequestsPerJob.isEmpty()
              ? ""
              : "  broker requests per job: " + brokerRequestsPerJob + System.lineSeparator(),
          "jobs/s (capacity)",
          rate,
          BenchTable.GOAL_JOBS_PER_SECOND,
          rate >= BenchTable.GOAL_JOBS_PER_SECOND && lost == 0 && duplicated == 0
              ? "met"
              : "NOT met");
    }

    private String describeCpu() {
      if (cpuMillisPerJob() < 0) {
        return "process CPU not reported by this JVM";
      }
      int cores = Runtime.getRuntime().availableProcessors();
      return String.format(
          Locale.ROOT,
          "process CPU %.2f ms/job (%.0f%% of %d cores)",
          cpuMillisPerJob(),
          wallSeconds <= 0 ? 0 : 100 * cpuSeconds / (wallSeconds * cores),
          cores);
    }
  }

  /** Runs the untimed warm-up jobs, then the timed ones. */
  public Phase run(Settings settings) throws InterruptedException {
    Result warm =
        settings.warmupJobs() > 0
            ? run(settings.warmupJobs(), settings.clients(), settings.jobTimeout())
            : null;
    return new Phase(warm, run(settings.jobs(), settings.clients(), settings.jobTimeout()));
  }

  /**
   * Both runs of a phase.
   *
   * @param warmup the untimed run, null when there was none
   * @param timed the timed run
   */
  public record Phase(Result warmup, Result timed) {
    /** No job lost or duplicated in either run. */
    public boolean exact() {
      return exact(timed) && (warmup == null || exact(warmup));
    }

    private static boolean exact(Result r) {
      return r.lost() == 0 && r.duplicated() == 0;
    }

    /** The printed lines: the warm-up's, then the timed run's with the goal. */
    public String describe() {
      return (warmup == null ? "" : warmup.describeWarmup()) + timed.describe();
    }
  }

  /** Sends {@code jobs} jobs from {@code clients} clients, each keeping one job in flight. */
  Result run(int jobs, int clients, Duration jobTimeout) throws InterruptedException {
    ManagedChannel ch =
        NettyChannelBuilder.forAddress("127.0.0.1", gatewayPort).usePlaintext().build();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger once = new AtomicInteger();
    AtomicInteger lost = new AtomicInteger();
    AtomicInteger twice = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            clients,
            r -> {
              Thread t = new Thread(r, "lumina-bench-capacity");
              t.setDaemon(true);
              return t;
            });
    String run = Long.toHexString(System.nanoTime());
    Map<String, Long> requests0 = BrokerRequests.snapshot();
    long cpu0 = processCpuNanos();
    long t0 = System.nanoTime();
    try {
      for (int c = 0; c < clients; c++) {
        pool.execute(
            () -> {
              int n;
              while ((n = next.getAndIncrement()) < jobs) {
                int completed = 0;
                try {
                  Iterator<GenerationChunk> it =
                      GenerationGrpc.newBlockingStub(ch)
                          .withDeadlineAfter(jobTimeout)
                          .generate(
                              GenerateRequest.newBuilder()
                                  .setRequestId("capacity-" + run + "-" + n)
                                  .setPrompt("a red square")
                                  .build());
                  while (it.hasNext()) {
                    if (it.next().hasCompleted()) {
                      completed++;
                    }
                  }
                } catch (StatusRuntimeException e) {
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
      pool.awaitTermination(jobTimeout.toMillis() * (jobs / clients + 2), TimeUnit.MILLISECONDS);
    } finally {
      pool.shutdownNow();
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    long cpu1 = processCpuNanos();
    double cpu = cpu0 < 0 || cpu1 < 0 ? -1 : (cpu1 - cpu0) / 1e9;
    String requests = BrokerRequests.perJob(requests0, BrokerRequests.snapshot(), once.get());
    return new Result(jobs, once.get(), lost.get(), twice.get(), wall, cpu, requests);
  }

  /** CPU time of this process so far, or -1 where the JVM does not report it. */
  private static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean()
            instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime()
        : -1;
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

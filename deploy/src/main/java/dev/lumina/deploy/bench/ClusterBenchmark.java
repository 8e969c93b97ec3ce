package dev.lumina.deploy.bench;

import dev.lumina.proto.v1.Completed;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Sampling;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Measures the serving path with short jobs: a warm-up, then one client sending jobs one after the
 * other (unloaded latency), then N clients each keeping one job in flight (saturated rate). For
 * every completed job it records the time to {@code accepted}, the time to {@code completed}, and
 * the cluster's own overhead: end to end minus the model and decode time the worker reports in
 * {@code Completed.timings}.
 *
 * <p>Works against any gateway ({@code Generate} over the given channel). {@link #run} blocks; its
 * client threads live in one bounded, named pool that is shut down before it returns.
 */
public final class ClusterBenchmark {

  /**
   * What to run.
   *
   * @param warmupJobs untimed jobs first (one client)
   * @param settleJobs at most this many further untimed jobs, in rounds of {@link #SETTLE_ROUND},
   *     while the JIT compiler is still busy (see {@link #jitSettled}); 0 = none
   * @param latencyJobs timed jobs sent one after the other
   * @param clients concurrent clients of the saturated phase
   * @param saturatedJobs jobs of the saturated phase, shared by the clients
   * @param width image width, 0 = the model's default
   * @param height image height, 0 = the model's default
   * @param steps sampling grid points (2 = one step)
   * @param jobTimeout longest wait for one job
   */
  public record Settings(
      int warmupJobs,
      int settleJobs,
      int latencyJobs,
      int clients,
      int saturatedJobs,
      int width,
      int height,
      int steps,
      Duration jobTimeout) {

    public Settings {
      SettingLimits.atLeast("warmup", warmupJobs, 0);
      SettingLimits.atLeast("settle-jobs", settleJobs, 0);
      SettingLimits.atLeast("jobs", latencyJobs, 0);
      if (clients < 1 || clients > 1024) {
        throw new IllegalArgumentException("clients must be in 1..1024, got " + clients);
      }
      SettingLimits.atLeast("saturated-jobs", saturatedJobs, 0);
      SettingLimits.atLeast("width", width, 0);
      SettingLimits.atLeast("height", height, 0);
      if (steps < 2) {
        throw new IllegalArgumentException("steps must be >= 2 (grid points), got " + steps);
      }
      SettingLimits.positive("job-timeout", jobTimeout);
    }
  }

  /** Jobs of one settling round: long enough that its JIT time is more than timer noise. */
  public static final int SETTLE_ROUND = 20;

  /** The JIT counts as settled once it compiled for at most this percentage of a round's wall. */
  public static final int SETTLED_JIT_PERCENT = 5;

  private final Channel channel;
  private final Settings settings;
  private final String runId =
      Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
  private final AtomicInteger sequence = new AtomicInteger();

  private ClusterBenchmark(Channel channel, Settings settings) {
    this.channel = channel;
    this.settings = settings;
  }

  /**
   * Runs every phase against the gateway behind {@code channel}; progress lines go to {@code log}.
   */
  public static List<PhaseResult> run(Channel channel, Settings settings, PrintStream log)
      throws InterruptedException {
    return new ClusterBenchmark(channel, settings).phases(log);
  }

  private List<PhaseResult> phases(PrintStream log) throws InterruptedException {
    List<PhaseResult> out = new ArrayList<>();
    if (settings.warmupJobs() > 0) {
      log.println("warm-up: " + settings.warmupJobs() + " jobs");
      phase("warm-up", 1, settings.warmupJobs());
      settle(log);
    }
    if (settings.latencyJobs() > 0) {
      log.println("sequential: " + settings.latencyJobs() + " jobs, 1 client");
      out.add(phase("sequential", 1, settings.latencyJobs()));
    }
    if (settings.saturatedJobs() > 0) {
      log.println(
          "saturated: " + settings.saturatedJobs() + " jobs, " + settings.clients() + " clients");
      out.add(phase("saturated", settings.clients(), settings.saturatedJobs()));
    }
    return out;
  }

  /**
   * Untimed rounds of {@link #SETTLE_ROUND} jobs after the warm-up until the JIT compiler is quiet:
   * on a small host it compiles for seconds after the first jobs (the broker's, gRPC's and the
   * path's code), and a timed phase that overlaps it measures the compiler, not the path.
   */
  private void settle(PrintStream log) throws InterruptedException {
    if (settings.settleJobs() == 0 || Jit.compileMs() < 0) {
      return;
    }
    int ran = 0;
    boolean settled = false;
    double percent = 0;
    while (!settled && ran < settings.settleJobs()) {
      int n = Math.min(SETTLE_ROUND, settings.settleJobs() - ran);
      PhaseResult round = phase("settle", 1, n);
      ran += n;
      settled = jitSettled(round.jitSeconds(), round.wallSeconds());
      percent = round.wallSeconds() > 0 ? 100 * round.jitSeconds() / round.wallSeconds() : 0;
    }
    log.printf(
        settled
            ? "warm-up: JIT settled after %d more jobs (compiled %.0f%% of the last round)%n"
            : "warm-up: JIT still compiling after %d more jobs (%.0f%% of the last round);"
                + " timing anyway%n",
        ran,
        percent);
  }

  /** Whether a round whose JIT compiled {@code jitSeconds} of its {@code wallSeconds} is quiet. */
  static boolean jitSettled(double jitSeconds, double wallSeconds) {
    return wallSeconds > 0 && 100 * jitSeconds <= SETTLED_JIT_PERCENT * wallSeconds;
  }

  private PhaseResult phase(String name, int clients, int jobs) throws InterruptedException {
    List<JobSample> samples = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger threadNo = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            clients,
            r -> {
              Thread t = new Thread(r, "lumina-bench-client-" + threadNo.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    long jitAtStart = Jit.compileMs();
    long start = System.nanoTime();
    try {
      for (int c = 0; c < clients; c++) {
        pool.execute(
            () -> {
              while (next.getAndIncrement() < jobs) {
                runOne().ifPresentOrElse(samples::add, failed::incrementAndGet);
              }
            });
      }
      pool.shutdown();
      long budget = settings.jobTimeout().toMillis() * (jobs / clients + 2);
      if (!pool.awaitTermination(budget, TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(name + ": jobs still running after " + budget + " ms");
      }
    } finally {
      pool.shutdownNow();
    }
    double wall = (System.nanoTime() - start) / 1e9;
    long jitAtEnd = Jit.compileMs();
    double jit = jitAtStart < 0 || jitAtEnd < 0 ? 0 : (jitAtEnd - jitAtStart) / 1000.0;
    return PhaseResult.of(name, clients, List.copyOf(samples), failed.get(), wall, jit);
  }

  /** One job; empty when it did not complete. */
  private Optional<JobSample> runOne() {
    GenerateRequest request =
        GenerateRequest.newBuilder()
            .setRequestId("bench-" + runId + "-" + sequence.incrementAndGet())
            .setPrompt("a red square on a blue field")
            .setGeometry(
                Geometry.newBuilder().setWidth(settings.width()).setHeight(settings.height()))
            .setSampling(Sampling.newBuilder().setSteps(settings.steps()).setSeed(1))
            .build();
    long t0 = System.nanoTime();
    double accepted = -1;
    double first = -1;
    try {
      Iterator<GenerationChunk> it =
          GenerationGrpc.newBlockingStub(channel)
              .withDeadlineAfter(settings.jobTimeout())
              .generate(request);
      while (it.hasNext()) {
        GenerationChunk c = it.next();
        double at = (System.nanoTime() - t0) / 1e6;
        if (c.hasAccepted()) {
          accepted = at;
          continue;
        }
        if (first < 0) {
          first = at;
        }
        if (c.hasCompleted() && accepted >= 0) {
          Completed done = c.getCompleted();
          var t = done.getTimings();
          JobSample s =
              new JobSample(
                  accepted,
                  at,
                  t.getModelMs(),
                  t.getDecodeMs(),
                  t.getQueuedMs(),
                  t.getTotalMs(),
                  first,
                  t0 / 1e6 + t.getQueuedMs());
          while (it.hasNext()) {
            it.next();
          }
          return Optional.of(s);
        }
      }
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}

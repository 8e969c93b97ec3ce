package dev.lumina.worker;

import dev.lumina.proto.v1.JobState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The worker's meters, in Prometheus names: {@code lumina_worker_jobs_total{outcome}}, {@code
 * lumina_worker_model_seconds}, {@code lumina_worker_decode_seconds}, {@code
 * lumina_worker_steps_total}, {@code lumina_worker_busy_seconds_total} (its rate is the busy
 * fraction: time with at least one job running), {@code lumina_worker_busy_fraction} (since start),
 * {@code lumina_worker_batch_size}, {@code lumina_worker_redeliveries_total} and {@code
 * lumina_worker_engine_bytes}. Thread-safe.
 */
final class WorkerMetrics {
  private final MeterRegistry registry;
  private final String worker;
  private final Timer model;
  private final Timer decode;
  private final Counter steps;
  private final DistributionSummary batchSize;
  private final AtomicLong busyNanos = new AtomicLong();
  private final long startNanos = System.nanoTime();
  private final Counter redeliveries;
  private int running;
  private long busySince;
  private final java.util.Set<String> started =
      java.util.Collections.newSetFromMap(
          new java.util.LinkedHashMap<String, Boolean>() {
            @Override
            protected boolean removeEldestEntry(java.util.Map.Entry<String, Boolean> e) {
              return size() > REMEMBERED_JOBS;
            }
          });

  /** How many started job ids the worker remembers to recognise a job delivered again. */
  static final int REMEMBERED_JOBS = 100_000;

  WorkerMetrics(MeterRegistry registry, String worker, LongSupplier engineBytes) {
    this.registry = registry;
    this.worker = worker;
    this.model =
        Timer.builder("lumina.worker.model")
            .description("Text encoding and sampling time per job")
            .tag("worker", worker)
            .publishPercentileHistogram()
            .register(registry);
    this.decode =
        Timer.builder("lumina.worker.decode")
            .description("Decoding, encoding and storing a job's outputs")
            .tag("worker", worker)
            .publishPercentileHistogram()
            .register(registry);
    this.steps =
        Counter.builder("lumina.worker.steps")
            .description("Sampling steps run")
            .tag("worker", worker)
            .register(registry);
    this.batchSize =
        DistributionSummary.builder("lumina.worker.batch.size")
            .description("Jobs sampled together")
            .tag("worker", worker)
            .register(registry);
    FunctionCounter.builder("lumina.worker.busy", busyNanos, n -> n.get() / 1e9)
        .description("Seconds spent running jobs; its rate is the busy fraction")
        .baseUnit("seconds")
        .tag("worker", worker)
        .register(registry);
    Gauge.builder("lumina.worker.busy.fraction", this, WorkerMetrics::busyFraction)
        .description("Share of wall time spent running jobs since the worker started")
        .tag("worker", worker)
        .register(registry);
    this.redeliveries =
        Counter.builder("lumina.worker.redeliveries")
            .description(
                "Jobs this worker started again after it had started them once (delivered again:"
                    + " a terminal event that did not become durable, a partition that came back)")
            .tag("worker", worker)
            .register(registry);
    Gauge.builder("lumina.worker.engine", () -> (double) engineBytes.getAsLong())
        .description("Device memory of the loaded model's weights (-1 when unknown)")
        .baseUnit("bytes")
        .tag("worker", worker)
        .register(registry);
  }

  /** A batch of {@code n} jobs ran (busy time is counted by {@link #begin} and {@link #end}). */
  void batch(int n) {
    batchSize.record(n);
  }

  /**
   * Jobs start running; with several running at once (step batching), the worker is busy while at
   * least one runs.
   */
  synchronized void begin() {
    if (running++ == 0) {
      busySince = System.nanoTime();
    }
  }

  /** Jobs begun with {@link #begin} ended. */
  synchronized void end() {
    if (--running == 0) {
      busyNanos.addAndGet(System.nanoTime() - busySince);
    }
  }

  /** Job {@code jobId} starts; counts a redelivery when this worker started it before. */
  synchronized void starting(String jobId) {
    if (!started.add(jobId)) {
      redeliveries.increment();
    }
  }

  /** A job ended in {@code state}; {@code result} is null unless it succeeded. */
  void ended(JobState state, JobResult result) {
    Counter.builder("lumina.worker.jobs")
        .description("Jobs ended, by outcome")
        .tag("worker", worker)
        .tag("outcome", state.name().toLowerCase(Locale.ROOT))
        .register(registry)
        .increment();
    if (result != null) {
      model.record(Duration.ofMillis(result.modelMs()));
      decode.record(Duration.ofMillis(result.decodeMs()));
      steps.increment(result.steps());
    }
  }

  private synchronized double busyFraction() {
    long now = System.nanoTime();
    long wall = now - startNanos;
    long busy = busyNanos.get() + (running > 0 ? now - busySince : 0);
    return wall <= 0 ? 0 : Math.min(1.0, busy / (double) wall);
  }
}

package dev.lumina.scheduler;

import dev.lumina.proto.cluster.v1.QueueDepth;
import dev.lumina.proto.v1.JobState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The scheduler's meters, in Prometheus names: per work topic {@code lumina_scheduler_held_jobs},
 * {@code lumina_scheduler_queued_tokens} and {@code lumina_scheduler_queued_token_seconds} (the
 * autoscaling signal: the same figures it publishes to {@code lumina.queue-depth}), {@code
 * lumina_scheduler_placements_total}, {@code lumina_scheduler_drops_total{state}} (expired and
 * cancelled before a worker took them) and {@code lumina_scheduler_transaction_seconds}.
 * Thread-safe.
 */
final class SchedulerMetrics {
  private final MeterRegistry registry;
  private final Map<String, QueueDepth> depth = new ConcurrentHashMap<>();
  private final Timer transaction;

  SchedulerMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.transaction =
        Timer.builder("lumina.scheduler.transaction")
            .description(
                "One step's Kafka transaction: releases, events, depth and consumed offsets")
            .publishPercentileHistogram()
            .register(registry);
  }

  /** The queue depth of {@code d.getTopic()} is now {@code d}. */
  void depth(QueueDepth d) {
    if (depth.put(d.getTopic(), d) == null) {
      String topic = d.getTopic();
      Gauge.builder("lumina.scheduler.held.jobs", depth, m -> m.get(topic).getJobs())
          .description("Jobs held or released but not started, per work topic")
          .tag("topic", topic)
          .register(registry);
      Gauge.builder("lumina.scheduler.queued.tokens", depth, m -> m.get(topic).getTokens())
          .description("Token budget of the jobs waiting, per work topic")
          .tag("topic", topic)
          .register(registry);
      Gauge.builder(
              "lumina.scheduler.queued.token.seconds", depth, m -> m.get(topic).getTokenSeconds())
          .description(
              "Estimated work waiting, in token-seconds, per work topic (the scaling signal)")
          .tag("topic", topic)
          .register(registry);
    }
  }

  void placed(String topic) {
    Counter.builder("lumina.scheduler.placements")
        .description("Jobs released to a work topic")
        .tag("topic", topic)
        .register(registry)
        .increment();
  }

  void dropped(JobState state) {
    Counter.builder("lumina.scheduler.drops")
        .description("Jobs ended before a worker took them (expired, cancelled)")
        .tag("state", state.name().toLowerCase(Locale.ROOT))
        .register(registry)
        .increment();
  }

  void repaired() {
    Counter.builder("lumina.scheduler.repaired.accepts")
        .description(
            "Jobs announced QUEUED whose request never arrived, placed from their event instead")
        .register(registry)
        .increment();
  }

  Timer transaction() {
    return transaction;
  }
}

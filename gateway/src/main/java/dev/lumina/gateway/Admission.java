package dev.lumina.gateway;

import dev.lumina.proto.JobCost;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.v1.JobState;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Enforces {@link Quotas}: as an interceptor (inside {@link Tenancy}, so the tenant is known) it
 * refuses a call past the tenant's rate (one Resilience4j {@link RateLimiter} per tenant) and a
 * stream past its open-stream share (one {@link Bulkhead} per tenant, released when the call ends);
 * {@link #admit} refuses a new job past the tenant's job or queued-work share, or past its tier's
 * queued-work limit (load shedding: a queue hours long helps no one). Every refusal is {@code
 * RESOURCE_EXHAUSTED} with a {@code google.rpc.RetryInfo} delay and a {@code
 * google.rpc.QuotaFailure} naming the quota.
 *
 * <p>Job and queued-work counts are the cluster's as this gateway knows them ({@link JobTable}
 * follows every gateway's jobs on {@code lumina.events}), plus this gateway's accepts in flight;
 * two gateways accepting at the same instant may each let one job past a share. Rates and streams
 * are per gateway.
 *
 * <p>Thread-safe.
 */
final class Admission implements ServerInterceptor {
  /** Retry delay suggested when a job share is full (a job slot frees when one of them ends). */
  static final Duration JOBS_RETRY_DELAY = Duration.ofSeconds(2);

  /** Longest retry delay suggested for queued work (the queue drains while the client waits). */
  static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(60);

  private final Quotas quotas;
  private final JobTable table;

  /** A tenant's limiter, with the limit it was made for (a reloaded quota file makes a new one). */
  private record Made<T>(Quotas.Limit limit, T value) {}

  private final ConcurrentHashMap<String, Made<RateLimiter>> rates = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Made<Bulkhead>> streams = new ConcurrentHashMap<>();
  private final Map<String, Reserved> inFlight = new HashMap<>(); // guarded by this

  /** Accepts of one tenant between {@link #admit} and {@link Ticket#close}. */
  private static final class Reserved {
    int jobs;
    double queuedSeconds;
  }

  /** A job admitted and being published; close it once it is in the table or refused. */
  interface Ticket extends AutoCloseable {
    @Override
    void close();
  }

  Admission(Quotas quotas, JobTable table) {
    this.quotas = quotas;
    this.table = table;
  }

  Quotas quotas() {
    return quotas;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    if (Tenancy.OPEN_SERVICES.contains(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    String tenant = Tenancy.current();
    Quotas.Limit limit = quotas.limitFor(tenant);
    if (limit.requestsPerSecond() > 0) {
      RateLimiter rate =
          rates
              .compute(
                  tenant,
                  (t, old) ->
                      old != null && old.limit().equals(limit)
                          ? old
                          : new Made<>(limit, rateLimiter(t, limit)))
              .value();
      if (!rate.acquirePermission()) {
        refuse(
            call,
            GatewayErrors.resourceExhausted(
                "requests-per-second",
                "tenant " + tenant,
                "tenant "
                    + tenant
                    + " is over its limit of "
                    + limit.requestsPerSecond()
                    + " requests per second",
                retryDelay(rate)));
        return new ServerCall.Listener<>() {};
      }
    }
    if (limit.streams() > 0 && isStream(call.getMethodDescriptor())) {
      Bulkhead bulkhead =
          streams
              .compute(
                  tenant,
                  (t, old) ->
                      old != null && old.limit().equals(limit)
                          ? old
                          : new Made<>(limit, bulkhead(t, limit)))
              .value();
      if (!bulkhead.tryAcquirePermission()) {
        refuse(
            call,
            GatewayErrors.resourceExhausted(
                "streams",
                "tenant " + tenant,
                "tenant " + tenant + " has " + limit.streams() + " streams open, its limit",
                Duration.ofSeconds(1)));
        return new ServerCall.Listener<>() {};
      }
      ServerCall.Listener<Q> listener;
      try {
        listener = next.startCall(call, headers);
      } catch (RuntimeException e) {
        bulkhead.onComplete();
        throw e;
      }
      return release(listener, bulkhead);
    }
    return next.startCall(call, headers);
  }

  /**
   * Admits a new job of {@code tenant} or throws {@code RESOURCE_EXHAUSTED} naming the share it
   * would exceed. A tenant with nothing queued may always queue one job, however large, so a job
   * bigger than a share is not refused for good.
   */
  Ticket admit(String tenant, JobEnvelope envelope) {
    Quotas.Limit limit = quotas.limitFor(tenant);
    double tierLimit = quotas.maxQueuedTokenSecondsPerTier();
    if (limit.jobs() == 0 && limit.queuedTokenSeconds() == 0 && tierLimit == 0) {
      return () -> {};
    }
    double cost = JobCost.estimatedSeconds(envelope, quotas.secondsPerTokenEval());
    String tier = envelope.getTier();
    int tenantJobs = 0;
    double tenantQueued = 0;
    double tierQueued = 0;
    for (JobRecord r : table.active()) {
      JobEnvelope env = r.envelope();
      boolean queued = r.state() == JobState.QUEUED;
      double seconds =
          queued && env != null ? JobCost.estimatedSeconds(env, quotas.secondsPerTokenEval()) : 0;
      if (r.tenant().equals(tenant)) {
        tenantJobs++;
        tenantQueued += seconds;
      }
      if (env != null && env.getTier().equals(tier)) {
        tierQueued += seconds;
      }
    }
    synchronized (this) {
      Reserved own = inFlight.computeIfAbsent(tenant, t -> new Reserved());
      tenantJobs += own.jobs;
      tenantQueued += own.queuedSeconds;
      for (Reserved r : inFlight.values()) {
        tierQueued += r.queuedSeconds; // approximate: in-flight accepts of any tier
      }
      if (limit.jobs() > 0 && tenantJobs >= limit.jobs()) {
        throw GatewayErrors.resourceExhausted(
            "jobs",
            "tenant " + tenant,
            "tenant "
                + tenant
                + " has "
                + tenantJobs
                + " jobs queued or running, its limit is "
                + limit.jobs(),
            JOBS_RETRY_DELAY);
      }
      if (limit.queuedTokenSeconds() > 0
          && tenantQueued > 0
          && tenantQueued + cost > limit.queuedTokenSeconds()) {
        throw GatewayErrors.resourceExhausted(
            "queued-token-seconds",
            "tenant " + tenant,
            String.format(
                java.util.Locale.ROOT,
                "tenant %s has %.1f s of work queued; this job (%.1f s) would pass its limit of"
                    + " %.1f s",
                tenant,
                tenantQueued,
                cost,
                limit.queuedTokenSeconds()),
            drainDelay(tenantQueued + cost - limit.queuedTokenSeconds()));
      }
      if (tierLimit > 0 && tierQueued > 0 && tierQueued + cost > tierLimit) {
        throw GatewayErrors.resourceExhausted(
            "max-queued-token-seconds",
            "tier " + tier,
            String.format(
                java.util.Locale.ROOT,
                "tier %s has %.1f s of work queued, its limit is %.1f s: new work is shed until it"
                    + " drains",
                tier,
                tierQueued,
                tierLimit),
            drainDelay(tierQueued + cost - tierLimit));
      }
      own.jobs++;
      own.queuedSeconds += cost;
    }
    AtomicBoolean closed = new AtomicBoolean();
    return () -> {
      if (closed.compareAndSet(false, true)) {
        synchronized (Admission.this) {
          Reserved own = inFlight.get(tenant);
          own.jobs--;
          own.queuedSeconds -= cost;
          if (own.jobs == 0) {
            inFlight.remove(tenant);
          }
        }
      }
    };
  }

  private static boolean isStream(MethodDescriptor<?, ?> method) {
    return !method.getType().serverSendsOneMessage();
  }

  private static RateLimiter rateLimiter(String tenant, Quotas.Limit limit) {
    return RateLimiter.of(
        "tenant-" + tenant,
        RateLimiterConfig.custom()
            .limitForPeriod(limit.requestsPerSecond())
            .limitRefreshPeriod(Duration.ofSeconds(1))
            .timeoutDuration(Duration.ZERO)
            .build());
  }

  private static Bulkhead bulkhead(String tenant, Quotas.Limit limit) {
    return Bulkhead.of(
        "tenant-" + tenant,
        BulkheadConfig.custom()
            .maxConcurrentCalls(limit.streams())
            .maxWaitDuration(Duration.ZERO)
            .build());
  }

  private static Duration retryDelay(RateLimiter rate) {
    if (rate.getMetrics() instanceof AtomicRateLimiter.AtomicRateLimiterMetrics m) {
      long nanos = m.getNanosToWait();
      if (nanos > 0) {
        return Duration.ofNanos(nanos);
      }
    }
    return Duration.ofSeconds(1);
  }

  /**
   * A retry delay for {@code excessSeconds} of queued work: at least a second, at most {@link
   * #MAX_RETRY_DELAY}; one worker drains a second of estimated work in about a second.
   */
  static Duration drainDelay(double excessSeconds) {
    long ms = (long) Math.ceil(Math.max(1, excessSeconds) * 1000);
    return Duration.ofMillis(Math.min(ms, MAX_RETRY_DELAY.toMillis()));
  }

  private static <Q> ServerCall.Listener<Q> release(
      ServerCall.Listener<Q> listener, Bulkhead bulkhead) {
    AtomicBoolean released = new AtomicBoolean();
    Runnable done =
        () -> {
          if (released.compareAndSet(false, true)) {
            bulkhead.onComplete();
          }
        };
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onComplete() {
        done.run();
        super.onComplete();
      }

      @Override
      public void onCancel() {
        done.run();
        super.onCancel();
      }
    };
  }

  private static void refuse(ServerCall<?, ?> call, StatusRuntimeException e) {
    Metadata trailers = e.getTrailers() == null ? new Metadata() : e.getTrailers();
    call.close(e.getStatus(), trailers);
  }
}

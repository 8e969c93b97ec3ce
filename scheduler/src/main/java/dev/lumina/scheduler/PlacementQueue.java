package dev.lumina.scheduler;

import dev.lumina.proto.JobCost;
import dev.lumina.proto.JobStates;
import dev.lumina.proto.Tiers;
import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.cluster.v1.QueueDepth;
import dev.lumina.proto.v1.JobState;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The scheduler's decisions, free of Kafka and clocks (time is an argument): a held queue ordered
 * by priority (9 first) then acceptance time, released to each work topic only while fewer jobs
 * wait there unstarted than its window: {@code window}, or the slots of the workers serving the
 * topic when they hold more ({@link WorkerSlots}), so every slot has its next job waiting and no
 * more. So with a backlog, the backlog stays here and the highest-priority job goes out next.
 * Cancelled and expired jobs are dropped before they reach a worker; every job id is handled once.
 *
 * <p>Not thread-safe: owned by the scheduler's single thread.
 */
final class PlacementQueue {

  /** Where a held job came from, so the consumed offset is committed only past released jobs. */
  record Source(String topic, int partition, long offset) {}

  /** A job to write to {@code workTopic}. */
  record Placement(JobEnvelope envelope, String workTopic) {}

  /** A job the scheduler ended before it started, with the state and gRPC code the client sees. */
  record Dropped(JobEnvelope envelope, String jobId, JobState state, String code, String message) {
    /** A drop whose code is the one of its end state ({@link JobStates#code}). */
    static Dropped of(JobEnvelope envelope, String jobId, JobState state, String message) {
      return new Dropped(envelope, jobId, state, JobStates.code(state).name(), message);
    }
  }

  /** How long a worker's slots count for a topic after it last started a job there. */
  static final long WORKER_SLOTS_TTL_MS = 60_000;

  private static final Comparator<Held> ORDER =
      Comparator.<Held>comparingInt(h -> -h.envelope.getRequest().getPriority())
          .thenComparingLong(h -> h.envelope.getAcceptedAtMs())
          .thenComparingLong(h -> h.arrival);

  private static final class Held {
    final JobEnvelope envelope;
    final String workTopic;
    final Source source;
    final long arrival;

    Held(JobEnvelope envelope, String workTopic, Source source, long arrival) {
      this.envelope = envelope;
      this.workTopic = workTopic;
      this.source = source;
      this.arrival = arrival;
    }
  }

  private final Tiers tiers;
  private final int window;
  private final WorkerSlots slots = new WorkerSlots(WORKER_SLOTS_TTL_MS);
  private final long expiryGraceMs;
  private final double secondsPerTokenEval;
  private final TreeSet<Held> held = new TreeSet<>(ORDER);
  private final Map<String, Held> heldById = new HashMap<>();

  /** Placed on a work topic, not started yet: job id to (topic, envelope). */
  private final Map<String, Placement> placed = new LinkedHashMap<>();

  /** Jobs that started, ended, or were dropped: never placed again. */
  private final Set<String> done = new HashSet<>();

  private final Set<String> cancelledEarly = new HashSet<>();

  /**
   * Jobs a gateway announced QUEUED whose request has not been read here: job id to the envelope
   * the event carries and when {@link #reconcile} first saw it waiting ({@code -1} = not yet).
   */
  private final Map<String, Awaited> awaitingRequest = new LinkedHashMap<>();

  private static final class Awaited {
    final JobEnvelope envelope;
    long firstSeenMs = -1;

    Awaited(JobEnvelope envelope) {
      this.envelope = envelope;
    }
  }

  private final Map<String, Long> nextOffset = new TreeMap<>();
  private long arrivals;

  PlacementQueue(Tiers tiers, int window, long expiryGraceMs, double secondsPerTokenEval) {
    if (window < 1) {
      throw new IllegalArgumentException("release window must be >= 1, got " + window);
    }
    this.tiers = tiers;
    this.window = window;
    this.expiryGraceMs = expiryGraceMs;
    this.secondsPerTokenEval = secondsPerTokenEval;
  }

  /**
   * Takes a job read from {@code lumina.requests}. Returns a drop when it was cancelled already or
   * exceeds the largest tier; a job seen before is ignored.
   */
  Optional<Dropped> offer(JobEnvelope env, Source source) {
    String id = env.getJobId();
    awaitingRequest.remove(id);
    if (source.offset() >= 0) {
      advance(source);
    }
    if (done.contains(id) || placed.containsKey(id) || heldById.containsKey(id)) {
      return Optional.empty();
    }
    if (cancelledEarly.remove(id)) {
      done.add(id);
      return Optional.of(Dropped.of(env, id, JobState.CANCELLED, "cancelled before it was placed"));
    }
    Optional<Tiers.Tier> tier = tiers.tierFor(env.getTokenBudget());
    if (tier.isEmpty()) {
      done.add(id);
      return Optional.of(
          new Dropped(
              env,
              id,
              JobState.FAILED,
              Status.Code.RESOURCE_EXHAUSTED.name(),
              "token budget "
                  + env.getTokenBudget()
                  + " exceeds the largest tier ("
                  + tiers.maxTokens()
                  + " tokens)"));
    }
    Held h =
        new Held(
            env.toBuilder().setTier(tier.get().name()).build(),
            Topics.work(env.getRequest().getModality(), tier.get().name()),
            source,
            arrivals++);
    held.add(h);
    heldById.put(id, h);
    return Optional.empty();
  }

  /**
   * Passes over a record of {@code lumina.requests} that holds no job (it went to the dead-letter
   * topic): its offset may be committed once the jobs before it are released.
   */
  void skip(Source source) {
    advance(source);
  }

  /** Releases held jobs, highest priority first, into every work topic with room in its window. */
  List<Placement> release(long nowMs) {
    if (held.isEmpty()) {
      return List.of();
    }
    Map<String, Integer> waiting = new HashMap<>();
    placed.values().forEach(p -> waiting.merge(p.workTopic(), 1, Integer::sum));
    Map<String, Integer> windows = new HashMap<>();
    List<Placement> out = new ArrayList<>();
    for (Held h : List.copyOf(held)) {
      int room = windows.computeIfAbsent(h.workTopic, t -> Math.max(window, slots.total(t, nowMs)));
      if (waiting.getOrDefault(h.workTopic, 0) < room) {
        waiting.merge(h.workTopic, 1, Integer::sum);
        held.remove(h);
        heldById.remove(h.envelope.getJobId());
        Placement p = new Placement(h.envelope, h.workTopic);
        placed.put(h.envelope.getJobId(), p);
        out.add(p);
      }
    }
    return out;
  }

  /** Ends jobs still waiting past their queue deadline (placed ones after a grace period). */
  List<Dropped> expire(long nowMs) {
    List<Dropped> out = new ArrayList<>();
    for (Held h : List.copyOf(held)) {
      long deadline = h.envelope.getQueueDeadlineMs();
      if (deadline > 0 && nowMs > deadline) {
        held.remove(h);
        heldById.remove(h.envelope.getJobId());
        done.add(h.envelope.getJobId());
        out.add(expired(h.envelope));
      }
    }
    for (Placement p : List.copyOf(placed.values())) {
      long deadline = p.envelope().getQueueDeadlineMs();
      if (deadline > 0 && nowMs > deadline + expiryGraceMs) {
        placed.remove(p.envelope().getJobId());
        done.add(p.envelope().getJobId());
        out.add(expired(p.envelope()));
      }
    }
    return out;
  }

  /**
   * Applies a cancel from {@code lumina.control}; a job not seen yet is dropped when it arrives.
   */
  Optional<Dropped> cancel(String jobId) {
    Held h = heldById.remove(jobId);
    JobEnvelope env = null;
    if (h != null) {
      held.remove(h);
      env = h.envelope;
    } else if (placed.containsKey(jobId)) {
      env = placed.remove(jobId).envelope();
    } else if (!done.contains(jobId)) {
      cancelledEarly.add(jobId);
      return Optional.empty();
    } else {
      return Optional.empty();
    }
    done.add(jobId);
    return Optional.of(Dropped.of(env, jobId, JobState.CANCELLED, "cancelled while queued"));
  }

  /**
   * Applies a {@code lumina.events} record: a started or ended job frees its place in the window; a
   * placement (from this or an earlier scheduler) marks the job placed; a worker's RUNNING event
   * counts its slots for the job's topic.
   */
  void onEvent(JobEvent e, long nowMs) {
    String id = e.getJobId();
    Placement started = e.getState() == JobState.RUNNING ? placed.get(id) : null;
    if (started != null) {
      slots.seen(started.workTopic(), e.getWorker(), e.getWorkerSlots(), nowMs);
    }
    if (e.getState() == JobState.QUEUED) {
      if (e.getWorkTopic().isEmpty()) {
        if (e.hasEnvelope()
            && !done.contains(id)
            && !placed.containsKey(id)
            && !heldById.containsKey(id)) {
          awaitingRequest.putIfAbsent(id, new Awaited(e.getEnvelope()));
        }
        return;
      }
      awaitingRequest.remove(id);
      if (!done.contains(id) && !placed.containsKey(id)) {
        Held h = heldById.remove(id);
        if (h != null) {
          held.remove(h);
        }
        JobEnvelope env =
            e.hasEnvelope() ? e.getEnvelope() : JobEnvelope.newBuilder().setJobId(id).build();
        placed.put(id, new Placement(env, e.getWorkTopic()));
      }
      return;
    }
    if (e.getState() != JobState.JOB_STATE_UNSPECIFIED) {
      awaitingRequest.remove(id);
      placed.remove(id);
      Held h = heldById.remove(id);
      if (h != null) {
        held.remove(h);
      }
      done.add(id);
    }
  }

  /**
   * Repairs accepts whose request record never arrived: a job announced QUEUED (by its gateway's
   * event, which carries the envelope) but not read from {@code lumina.requests} for {@code
   * graceMs} since this method first saw it waiting is taken from the event, as if its request had
   * come, when {@code owns} says its request partition is this scheduler's ({@code
   * requestPartition} maps a job id to it). Such a job holds no offset; after a restart the events
   * bring it back the same way.
   *
   * @return the repaired jobs (each also offered: held, or dropped as {@link #offer} would)
   */
  List<JobEnvelope> reconcile(
      long nowMs,
      long graceMs,
      java.util.function.ToIntFunction<String> requestPartition,
      java.util.function.IntPredicate owns,
      List<Dropped> drops) {
    List<JobEnvelope> repaired = new ArrayList<>();
    for (Awaited a : List.copyOf(awaitingRequest.values())) {
      if (a.firstSeenMs < 0) {
        a.firstSeenMs = nowMs;
        continue;
      }
      String id = a.envelope.getJobId();
      int partition = requestPartition.applyAsInt(id);
      if (nowMs - a.firstSeenMs < graceMs || !owns.test(partition)) {
        continue;
      }
      awaitingRequest.remove(id);
      repaired.add(a.envelope);
      offer(a.envelope, new Source(Topics.REQUESTS, partition, -1)).ifPresent(drops::add);
    }
    return repaired;
  }

  /** Jobs announced QUEUED whose request has not arrived (yet). */
  int awaitingRequests() {
    return awaitingRequest.size();
  }

  /**
   * Forgets held jobs from a partition this scheduler no longer owns (another one will read them).
   */
  void dropPartition(String topic, int partition) {
    for (Held h : List.copyOf(held)) {
      if (h.source.topic().equals(topic) && h.source.partition() == partition) {
        held.remove(h);
        heldById.remove(h.envelope.getJobId());
      }
    }
    nextOffset.remove(topic + "/" + partition);
  }

  /**
   * Offsets safe to commit per {@code topic/partition}: the oldest still-held job's offset, else
   * one past the last job read.
   */
  Map<String, Long> commitOffsets() {
    Map<String, Long> out = new TreeMap<>(nextOffset);
    for (Held h : held) {
      if (h.source.offset() >= 0) {
        out.merge(h.source.topic() + "/" + h.source.partition(), h.source.offset(), Math::min);
      }
    }
    return out;
  }

  /**
   * Queue depth per work topic: held plus placed-not-started jobs, tokens and estimated seconds.
   */
  List<QueueDepth> depth(long nowMs) {
    Map<String, QueueDepth.Builder> by = new TreeMap<>();
    for (Held h : held) {
      add(by, h.workTopic, h.envelope);
    }
    for (Placement p : placed.values()) {
      add(by, p.workTopic(), p.envelope());
    }
    return by.values().stream().map(b -> b.setAtMs(nowMs).build()).toList();
  }

  private void add(Map<String, QueueDepth.Builder> by, String topic, JobEnvelope env) {
    QueueDepth.Builder b = by.computeIfAbsent(topic, t -> QueueDepth.newBuilder().setTopic(t));
    b.setJobs(b.getJobs() + 1)
        .setTokens(b.getTokens() + env.getTokenBudget())
        .setTokenSeconds(b.getTokenSeconds() + estimatedSeconds(env));
  }

  /** {@link JobCost#estimatedSeconds} at this queue's seconds per token evaluation. */
  double estimatedSeconds(JobEnvelope env) {
    return JobCost.estimatedSeconds(env, secondsPerTokenEval);
  }

  private void advance(Source s) {
    nextOffset.merge(s.topic() + "/" + s.partition(), s.offset() + 1, Math::max);
  }

  private static Dropped expired(JobEnvelope env) {
    return Dropped.of(
        env,
        env.getJobId(),
        JobState.EXPIRED,
        "waited longer than max_queue_ms "
            + env.getRequest().getMaxQueueMs()
            + " before a worker started it");
  }
}

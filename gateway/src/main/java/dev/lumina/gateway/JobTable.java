package dev.lumina.gateway;

import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.Job;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every job this gateway knows: the ones it accepted and the ones it learned from {@code
 * lumina.events}. Keeps at most {@code maxJobs} records, evicting the oldest first (an evicted job
 * answers NOT_FOUND here until the event stream brings it back on restart).
 *
 * <p>Thread-safe: a concurrent map of {@link JobRecord}s, each guarding itself.
 */
final class JobTable {
  private final ConcurrentHashMap<String, JobRecord> jobs = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, CompletableFuture<JobRecord>> waiting =
      new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> order = new ConcurrentLinkedQueue<>();

  /** The records whose state is not terminal yet (what quotas count), a subset of {@link #jobs}. */
  private final ConcurrentHashMap<String, JobRecord> active = new ConcurrentHashMap<>();

  private final int maxJobs;
  private final ArtifactBytes bytes;
  private final AtomicLong duplicateChunks = new AtomicLong();

  /**
   * Chunks from {@code lumina.chunks} of jobs not known yet (the topics are read side by side, so a
   * chunk may come before its job's QUEUED event), oldest job first, at most {@link
   * #MAX_PENDING_JOBS} jobs.
   */
  private final LinkedHashMap<String, List<GenerationChunk>> pending = new LinkedHashMap<>();

  static final int MAX_PENDING_JOBS = 10_000;

  JobTable(int maxJobs) {
    this(maxJobs, new ArtifactBytes(Optional.empty()));
  }

  JobTable(int maxJobs, ArtifactBytes bytes) {
    if (maxJobs < 1) {
      throw new IllegalArgumentException("maxJobs must be >= 1, got " + maxJobs);
    }
    this.maxJobs = maxJobs;
    this.bytes = bytes;
  }

  Optional<JobRecord> find(String jobId) {
    return Optional.ofNullable(jobs.get(jobId));
  }

  /** Returns the job's record, creating it from {@code job} when absent. */
  JobRecord getOrCreate(String jobId, String tenant, Job job, JobEnvelope envelope) {
    JobRecord[] created = new JobRecord[1];
    JobRecord r =
        jobs.computeIfAbsent(jobId, id -> created[0] = new JobRecord(id, tenant, job, envelope));
    if (created[0] != null) {
      if (bytes.store().isEmpty()) {
        r.holdBareMedia();
      }
      order.add(jobId);
      active.put(jobId, r);
      evict();
      List<GenerationChunk> early;
      synchronized (pending) {
        early = pending.remove(jobId);
      }
      if (early != null) {
        early.forEach(r::addChunk);
      }
      CompletableFuture<JobRecord> w = waiting.remove(jobId);
      if (w != null) {
        w.complete(r);
      }
    }
    return r;
  }

  /**
   * Completes with the job's record once it is known here, or exceptionally with a {@link
   * java.util.concurrent.TimeoutException} after {@code wait}: a job accepted by another gateway
   * reaches this one through {@code lumina.events} a moment later.
   */
  CompletableFuture<JobRecord> whenKnown(String jobId, Duration wait) {
    JobRecord now = jobs.get(jobId);
    if (now != null) {
      return CompletableFuture.completedFuture(now);
    }
    CompletableFuture<JobRecord> f =
        waiting.computeIfAbsent(jobId, id -> new CompletableFuture<>());
    JobRecord raced = jobs.get(jobId);
    if (raced != null) {
      waiting.remove(jobId, f);
      f.complete(raced);
      return f;
    }
    return f.orTimeout(wait.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((r, e) -> waiting.remove(jobId, f));
  }

  /** Applies one {@code lumina.events} record. */
  void onEvent(JobEvent event) {
    if (event.getJobId().isEmpty()) {
      return;
    }
    Job base =
        event.hasJob() ? event.getJob() : Job.newBuilder().setJobId(event.getJobId()).build();
    if (base.getJobId().isEmpty()) {
      base = base.toBuilder().setJobId(event.getJobId()).build();
    }
    JobEnvelope env = event.hasEnvelope() ? event.getEnvelope() : null;
    JobRecord r = getOrCreate(event.getJobId(), event.getTenant(), base, env);
    r.applyEvent(event);
    settle(r);
  }

  /** Jobs known here that have not ended, the ones this gateway accepted and the others. */
  java.util.Collection<JobRecord> active() {
    return active.values();
  }

  private void settle(JobRecord r) {
    if (dev.lumina.proto.JobStates.isTerminal(r.state())) {
      active.remove(r.jobId(), r);
    }
  }

  /**
   * Applies one {@code lumina.chunks} record: a chunk of a running job, relayed by its worker to
   * every gateway. A chunk of a job not known yet is held until the job's event arrives.
   */
  void onRelayedChunk(GenerationChunk chunk) {
    if (chunk.getJobId().isEmpty()) {
      return;
    }
    if (onChunk(chunk)) {
      return;
    }
    if (jobs.containsKey(chunk.getJobId())) {
      return;
    }
    synchronized (pending) {
      JobRecord raced = jobs.get(chunk.getJobId());
      if (raced == null) {
        pending.computeIfAbsent(chunk.getJobId(), id -> new ArrayList<>()).add(chunk);
        while (pending.size() > MAX_PENDING_JOBS) {
          pending.remove(pending.keySet().iterator().next());
        }
        return;
      }
    }
    onChunk(chunk);
  }

  /** Adds a worker's chunk; returns false for a duplicate or a job this gateway does not know. */
  boolean onChunk(GenerationChunk chunk) {
    return onChunk(chunk, false);
  }

  /**
   * Adds a chunk a worker pushed over ChunkSink; returns false for a duplicate or a job this
   * gateway does not know.
   */
  boolean onPushedChunk(GenerationChunk chunk) {
    return onChunk(chunk, true);
  }

  private boolean onChunk(GenerationChunk chunk, boolean pushed) {
    JobRecord r = jobs.get(chunk.getJobId());
    if (r == null) {
      return false;
    }
    boolean added = r.addChunk(bytes.keep(chunk), pushed);
    if (!added) {
      duplicateChunks.incrementAndGet();
    }
    settle(r);
    return added;
  }

  long duplicateChunks() {
    return duplicateChunks.get();
  }

  int size() {
    return jobs.size();
  }

  private void evict() {
    while (jobs.size() > maxJobs) {
      String oldest = order.poll();
      if (oldest == null) {
        return;
      }
      jobs.remove(oldest);
      active.remove(oldest);
    }
  }
}

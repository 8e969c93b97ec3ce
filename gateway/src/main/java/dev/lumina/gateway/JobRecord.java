package dev.lumina.gateway;

import dev.lumina.proto.JobStates;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.v1.Completed;
import dev.lumina.proto.v1.Failed;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.Job;
import dev.lumina.proto.v1.JobState;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * One job as this gateway knows it: its tenant, its latest {@link Job} state and the chunks seen so
 * far (from workers over {@code ChunkSink}, or from {@code lumina.events}), with the streams that
 * follow it. Chunks are kept once per {@code seq}: duplicates are dropped.
 *
 * <p>Thread-safe: every method holds the record's lock, which also serializes calls to listeners,
 * so a listener sees replay and live chunks in order with no gap and no repeat.
 */
final class JobRecord {
  private final String jobId;
  private final String tenant;
  private JobEnvelope envelope;
  private Job job;
  private final TreeMap<Long, GenerationChunk> chunks = new TreeMap<>();
  private final List<Subscription> subscriptions = new ArrayList<>();
  private boolean ended;
  private boolean sealed;
  private boolean placed;
  private boolean previewsElided;
  private Status endStatus = Status.OK;
  private boolean holdBareMedia;
  private boolean pushed;
  private final java.util.Map<Long, Long> bareSince = new java.util.HashMap<>();

  /**
   * How long a frame, tile or audio chunk that arrived as a bare reference waits for the copy with
   * its bytes, on a gateway that cannot read the bytes back itself.
   */
  static final long BARE_MEDIA_WAIT_MS = 2000;

  private static final java.util.concurrent.ScheduledExecutorService RETRY =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "lumina-gateway-chunk-wait");
            t.setDaemon(true);
            return t;
          });
  private final java.util.concurrent.CompletableFuture<Job> terminal =
      new java.util.concurrent.CompletableFuture<>();

  private static final class Subscription {
    final ChunkListener listener;
    long lastSent;

    Subscription(ChunkListener listener, long lastSent) {
      this.listener = listener;
      this.lastSent = lastSent;
    }
  }

  JobRecord(String jobId, String tenant, Job job, JobEnvelope envelope) {
    this.jobId = jobId;
    this.tenant = tenant;
    this.job = job;
    this.envelope = envelope;
  }

  /**
   * Makes the record wait, before streaming a media chunk that arrived without its bytes (a {@code
   * lumina.chunks} relay copy, a reference only), for the copy the worker pushes with its bytes
   * over ChunkSink — at most {@link #BARE_MEDIA_WAIT_MS}, and only once pushes of this job have
   * been seen. For a gateway without an artifact store, which cannot fill such a chunk itself: the
   * two copies race, and the relay copy may come first.
   */
  synchronized void holdBareMedia() {
    holdBareMedia = true;
  }

  String jobId() {
    return jobId;
  }

  String tenant() {
    return tenant;
  }

  synchronized JobEnvelope envelope() {
    return envelope;
  }

  synchronized Job snapshot() {
    return job.toBuilder().setLastSeq(chunks.isEmpty() ? 0 : chunks.lastKey()).build();
  }

  /** The job's state now. */
  synchronized JobState state() {
    return job.getState();
  }

  /**
   * Completes with the job as it ended once its state is terminal (at once if it is). Dependent
   * stages may run under the record's lock: continue asynchronously.
   */
  java.util.concurrent.CompletableFuture<Job> whenTerminal() {
    return terminal;
  }

  private void noteTerminal() {
    if (JobStates.isTerminal(job.getState()) && !terminal.isDone()) {
      terminal.complete(snapshot());
    }
  }

  synchronized boolean ended() {
    return ended;
  }

  /**
   * Whether the cluster is known to have taken the job beyond its accept: the scheduler placed it,
   * a worker ran it, or it ended.
   */
  synchronized boolean placed() {
    return placed || job.getState() != JobState.QUEUED;
  }

  /** Every chunk known so far, in seq order. */
  synchronized List<GenerationChunk> chunks() {
    return List.copyOf(chunks.values());
  }

  /**
   * Adds a chunk; returns false when its seq was seen before. A repeat that carries more than the
   * kept copy (a preview's image where an elided preview was kept, media bytes where only a
   * reference was kept) replaces it for later replays; streams already past it are not sent it
   * again.
   */
  synchronized boolean addChunk(GenerationChunk chunk) {
    return addChunk(chunk, false);
  }

  /**
   * {@link #addChunk(GenerationChunk)}; {@code viaPush}: it came over a worker's ChunkSink call.
   */
  synchronized boolean addChunk(GenerationChunk chunk, boolean viaPush) {
    if (chunk.getSeq() < 1) {
      return false;
    }
    pushed |= viaPush;
    GenerationChunk kept = chunks.get(chunk.getSeq());
    if (kept != null) {
      if (richer(chunk, kept) && !(ended && chunk.hasPreview())) {
        chunks.put(chunk.getSeq(), chunk);
        if (bareSince.remove(chunk.getSeq()) != null) {
          deliver();
        }
      }
      return false;
    }
    chunks.put(chunk.getSeq(), chunk);
    Job.Builder b = job.toBuilder();
    switch (chunk.getPayloadCase()) {
      case PROGRESS -> {
        b.setStep(chunk.getProgress().getStep()).setTotalSteps(chunk.getProgress().getTotal());
        if (b.getState() == JobState.QUEUED) {
          b.setState(JobState.RUNNING);
        }
      }
      case COMPLETED ->
          b.setState(JobState.SUCCEEDED)
              .clearArtifacts()
              .addAllArtifacts(chunk.getCompleted().getArtifactsList())
              .setTimings(chunk.getCompleted().getTimings());
      case FAILED ->
          b.setState(JobStates.ofFailure(chunk.getFailed().getCode()))
              .setErrorCode(chunk.getFailed().getCode())
              .setErrorMessage(chunk.getFailed().getMessage());
      default -> {}
    }
    job = b.build();
    deliver();
    noteTerminal();
    return true;
  }

  /**
   * Applies a {@code lumina.events} record: state, durable chunks, and a terminal chunk if needed.
   */
  synchronized void applyEvent(JobEvent event) {
    if (!event.getWorkTopic().isEmpty()) {
      placed = true;
    }
    if (event.hasEnvelope() && envelope == null) {
      envelope = event.getEnvelope();
    }
    if (event.hasJob() && !JobStates.isTerminal(job.getState())) {
      Job e = event.getJob();
      Job.Builder b =
          job.toBuilder()
              .mergeFrom(e)
              .clearArtifacts()
              .addAllArtifacts(
                  e.getArtifactsCount() > 0 ? e.getArtifactsList() : job.getArtifactsList())
              .clearLabels()
              .putAllLabels(e.getLabelsCount() > 0 ? e.getLabelsMap() : job.getLabelsMap());
      b.setState(
          event.getState() == JobState.JOB_STATE_UNSPECIFIED ? e.getState() : event.getState());
      if (b.getState() == JobState.JOB_STATE_UNSPECIFIED || regresses(b.getState())) {
        b.setState(job.getState());
      }
      job = b.build();
    } else if (!JobStates.isTerminal(job.getState())
        && event.getState() != JobState.JOB_STATE_UNSPECIFIED
        && !regresses(event.getState())) {
      job = job.toBuilder().setState(event.getState()).build();
    }
    for (GenerationChunk c : event.getChunksList()) {
      addChunk(c);
    }
    if (JobStates.isTerminal(job.getState()) && !ended && !hasTerminalChunk()) {
      addChunk(terminalChunk(chunks.isEmpty() ? 1 : chunks.lastKey() + 1));
    }
    if (JobStates.isTerminal(event.getState()) && !sealed) {
      // The terminal event carries every seq of the job: nothing more will fill a gap.
      sealed = true;
      deliver();
    }
    noteTerminal();
  }

  /**
   * A QUEUED event read after the job was seen running (a worker's chunks over ChunkSink can
   * overtake the follower's read of lumina.events) must not move it back.
   */
  private boolean regresses(JobState next) {
    return next == JobState.QUEUED && job.getState() == JobState.RUNNING;
  }

  private static boolean richer(GenerationChunk offered, GenerationChunk kept) {
    if (offered.getPayloadCase() != kept.getPayloadCase()) {
      return false;
    }
    if (offered.hasPreview()) {
      return kept.getPreview().getElided() && !offered.getPreview().getElided();
    }
    return ArtifactBytes.hasData(offered) && !ArtifactBytes.hasData(kept);
  }

  /**
   * Replays every chunk with {@code seq > afterSeq} to {@code listener}, then follows the job; ends
   * the listener at once when the job has ended.
   */
  synchronized void subscribe(long afterSeq, ChunkListener listener) {
    Subscription s = new Subscription(listener, afterSeq);
    subscriptions.add(s);
    deliver();
  }

  synchronized void unsubscribe(ChunkListener listener) {
    subscriptions.removeIf(s -> s.listener == listener);
  }

  /**
   * Sends each stream the chunks after its last one, in seq order and without gaps: chunks reach a
   * gateway from a worker's ChunkSink call, {@code lumina.chunks} and {@code lumina.events}, and a
   * later seq may arrive before an earlier one. Once the terminal event sealed the job, whatever is
   * known is sent.
   */
  private void deliver() {
    GenerationChunk last = chunks.isEmpty() ? null : chunks.lastEntry().getValue();
    boolean terminal = last != null && (last.hasCompleted() || last.hasFailed());
    boolean complete = terminal && (sealed || chunks.size() == last.getSeq());
    if (complete && !ended) {
      ended = true;
      endStatus = last.hasCompleted() ? Status.OK : statusOf(last.getFailed());
    }
    for (Subscription s : List.copyOf(subscriptions)) {
      boolean waiting = false;
      for (GenerationChunk c : chunks.tailMap(s.lastSent, false).values()) {
        if (!sealed && !ended && c.getSeq() != s.lastSent + 1) {
          break;
        }
        if (waitsForBytes(c)) {
          waiting = true;
          break;
        }
        s.listener.onChunk(c);
        s.lastSent = c.getSeq();
      }
      if (ended && !waiting) {
        s.listener.onEnd(endStatus);
        subscriptions.remove(s);
      }
    }
    if (ended && !previewsElided) {
      // Previews are transient: once the job's streams are done, keep none of their pictures.
      previewsElided = true;
      chunks.replaceAll(
          (seq, c) ->
              c.hasPreview() && !c.getPreview().getElided()
                  ? c.toBuilder()
                      .setPreview(c.getPreview().toBuilder().clearPng().setElided(true))
                      .build()
                  : c);
    }
  }

  /**
   * Whether {@code c} is a bare media reference still worth waiting for (see {@link
   * #holdBareMedia}); schedules the delivery that ends the wait.
   */
  private boolean waitsForBytes(GenerationChunk c) {
    if (!holdBareMedia || !pushed || ArtifactBytes.hasData(c)) {
      return false;
    }
    if (!c.hasFrame() && !c.hasTile() && !c.hasAudio()) {
      return false;
    }
    long now = System.nanoTime();
    Long since = bareSince.get(c.getSeq());
    if (since == null) {
      bareSince.put(c.getSeq(), now);
      RETRY.schedule(
          () -> {
            synchronized (this) {
              deliver();
            }
          },
          BARE_MEDIA_WAIT_MS + 1,
          java.util.concurrent.TimeUnit.MILLISECONDS);
      return true;
    }
    return now - since < BARE_MEDIA_WAIT_MS * 1_000_000;
  }

  private boolean hasTerminalChunk() {
    return chunks.values().stream().anyMatch(c -> c.hasCompleted() || c.hasFailed());
  }

  private GenerationChunk terminalChunk(long seq) {
    GenerationChunk.Builder c = GenerationChunk.newBuilder().setJobId(jobId).setSeq(seq);
    if (job.getState() == JobState.SUCCEEDED) {
      c.setCompleted(
          Completed.newBuilder()
              .addAllArtifacts(job.getArtifactsList())
              .setTimings(job.getTimings())
              .setSeed(envelope == null ? 0 : envelope.getSeed()));
    } else {
      String code =
          !job.getErrorCode().isEmpty()
              ? job.getErrorCode()
              : JobStates.code(job.getState()).name();
      c.setFailed(Failed.newBuilder().setCode(code).setMessage(job.getErrorMessage()));
    }
    return c.build();
  }

  private static Status statusOf(Failed failed) {
    Status.Code code;
    try {
      code = Status.Code.valueOf(failed.getCode());
    } catch (IllegalArgumentException e) {
      code = Status.Code.UNKNOWN;
    }
    return Status.fromCode(code).withDescription(failed.getMessage());
  }
}

package dev.lumina.worker;

import dev.lumina.proto.JobStates;
import dev.lumina.proto.Jobs;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.v1.Completed;
import dev.lumina.proto.v1.Failed;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.Job;
import dev.lumina.proto.v1.JobState;
import dev.lumina.proto.v1.Timings;
import io.grpc.Status;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one job through a {@link JobExecutor} and turns the way it ended into its terminal chunk and
 * terminal {@link JobEvent}: SUCCEEDED, FAILED, CANCELLED (cancel on {@code lumina.control}) or
 * EXPIRED (its queue deadline passed before it started).
 *
 * <p>Stateless between jobs; {@link #runBatch} is called from the job thread.
 */
final class JobRunner {
  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

  /** What {@link #runBatch} decided. {@code deadLetterReason} is non-null for poison jobs. */
  record Outcome(JobEvent terminal, String deadLetterReason) {}

  private final JobExecutor executor;
  private final ChunkSinkClient sink;
  private final java.util.function.Consumer<GenerationChunk> relay;
  private final Clock clock;

  private final WorkerMetrics metrics;

  /**
   * @param relay where each chunk goes, as a reference ({@link #reference}), besides the job's
   *     gateway: {@code lumina.chunks}, which every gateway follows
   */
  JobRunner(
      JobExecutor executor,
      ChunkSinkClient sink,
      java.util.function.Consumer<GenerationChunk> relay,
      Clock clock,
      WorkerMetrics metrics) {
    this.executor = executor;
    this.sink = sink;
    this.relay = relay;
    this.clock = clock;
    this.metrics = metrics;
  }

  /**
   * The RUNNING event of {@code job}, published before {@link #runBatch}, saying which worker runs
   * it and how many jobs that worker holds at once.
   */
  JobEvent runningEvent(JobEnvelope job, String worker, int workerSlots) {
    long now = clock.millis();
    Job.Builder j = Jobs.base(job).setState(JobState.RUNNING);
    j.setTimings(Timings.newBuilder().setQueuedMs(Math.max(0, now - job.getAcceptedAtMs())));
    return event(job, JobState.RUNNING, now, j.build(), List.of())
        .setWorker(worker)
        .setWorkerSlots(workerSlots)
        .build();
  }

  /** How a job ended, before it becomes a terminal event. */
  private record Ending(Status.Code code, String message, JobResult result, String deadLetter) {
    static Ending of(JobOutcome o, String jobId) {
      if (o.result() != null) {
        return new Ending(Status.Code.OK, "", o.result(), null);
      }
      if (o.cancelled()) {
        return new Ending(Status.Code.CANCELLED, "job cancelled", null, null);
      }
      JobFailedException e = o.failure();
      LOG.warn("job {} failed: {} {}", jobId, e.code(), e.getMessage(), e);
      return new Ending(
          e.code(), e.getMessage(), null, e.poison() ? e.code() + ": " + e.getMessage() : null);
    }

    static Ending crashed(Throwable e) {
      // An executor bug or a job the model cannot handle: do not run it again and again.
      String message = "worker error: " + e;
      return new Ending(Status.Code.INTERNAL, message, null, message);
    }
  }

  /**
   * Runs jobs that share a batch key (or one job) and returns their terminal events in order. Jobs
   * already expired or cancelled do not run.
   */
  List<Outcome> runBatch(List<JobEnvelope> jobs, List<CancelToken> cancels) {
    long started = clock.millis();
    List<JobChunkStream> streams = new ArrayList<>();
    Ending[] endings = new Ending[jobs.size()];
    List<Integer> runnable = new ArrayList<>();
    List<BatchJob> batch = new ArrayList<>();
    for (int i = 0; i < jobs.size(); i++) {
      JobEnvelope job = jobs.get(i);
      JobChunkStream chunks = new JobChunkStream(job.getJobId(), job.getGateway(), sink, relay);
      streams.add(chunks);
      if (job.getQueueDeadlineMs() > 0 && started > job.getQueueDeadlineMs()) {
        endings[i] =
            new Ending(
                Status.Code.DEADLINE_EXCEEDED,
                "job waited past its queue deadline (max_queue_ms) before a worker started it",
                null,
                null);
      } else if (cancels.get(i).isCancelled()) {
        endings[i] =
            new Ending(Status.Code.CANCELLED, "job cancelled before it started", null, null);
      } else {
        runnable.add(i);
        batch.add(new BatchJob(job, chunks, cancels.get(i)));
      }
    }
    if (!batch.isEmpty()) {
      metrics.begin();
      batch.forEach(b -> metrics.starting(b.job().getJobId()));
    }
    if (batch.size() == 1) {
      BatchJob b = batch.get(0);
      int i = runnable.get(0);
      try {
        endings[i] =
            Ending.of(
                JobOutcome.succeeded(executor.run(b.job(), b.emitter(), b.cancel())),
                b.job().getJobId());
      } catch (JobCancelledException e) {
        endings[i] = Ending.of(JobOutcome.ofCancelled(), b.job().getJobId());
      } catch (JobFailedException e) {
        endings[i] = Ending.of(JobOutcome.failed(e), b.job().getJobId());
      } catch (RuntimeException | Error e) {
        LOG.error("job {} crashed the executor", b.job().getJobId(), e);
        endings[i] = Ending.crashed(e);
      }
    } else if (!batch.isEmpty()) {
      try {
        List<JobOutcome> outcomes = executor.runBatch(batch);
        for (int k = 0; k < batch.size(); k++) {
          endings[runnable.get(k)] = Ending.of(outcomes.get(k), batch.get(k).job().getJobId());
        }
      } catch (RuntimeException | Error e) {
        LOG.error("a batch of {} jobs crashed the executor", batch.size(), e);
        for (int i : runnable) {
          endings[i] = Ending.crashed(e);
        }
      }
    }
    if (!batch.isEmpty()) {
      metrics.end();
      metrics.batch(batch.size());
    }
    List<Outcome> out = new ArrayList<>();
    for (int i = 0; i < jobs.size(); i++) {
      out.add(finish(jobs.get(i), streams.get(i), started, endings[i]));
    }
    return out;
  }

  private Outcome finish(JobEnvelope job, JobChunkStream chunks, long started, Ending ending) {
    Status.Code code = ending.code();
    String message = ending.message();
    JobResult result = ending.result();
    String deadLetter = ending.deadLetter();
    long ended = clock.millis();
    Timings.Builder timings =
        Timings.newBuilder()
            .setQueuedMs(Math.max(0, started - job.getAcceptedAtMs()))
            .setTotalMs(Math.max(0, ended - job.getAcceptedAtMs()));
    Job.Builder j =
        Jobs.base(job).setStep(chunks.lastProgressStep()).setTotalSteps(chunks.totalSteps());
    JobState state;
    if (code == Status.Code.OK) {
      state = JobState.SUCCEEDED;
      timings
          .setModelMs(result.modelMs())
          .setDecodeMs(result.decodeMs())
          .setTextMs(result.textMs());
      j.addAllArtifacts(result.artifacts());
      chunks.finish(
          GenerationChunk.newBuilder()
              .setCompleted(
                  Completed.newBuilder()
                      .addAllArtifacts(result.artifacts())
                      .setTimings(timings)
                      .setSeed(result.seed())));
    } else {
      state = JobStates.of(code);
      j.setErrorCode(code.name()).setErrorMessage(message);
      chunks.finish(
          GenerationChunk.newBuilder()
              .setFailed(Failed.newBuilder().setCode(code.name()).setMessage(message)));
    }
    j.setState(state).setTimings(timings).setLastSeq(chunks.lastSeq());
    metrics.ended(state, code == Status.Code.OK ? result : null);
    return new Outcome(
        event(job, state, ended, j.build(), durable(chunks.chunks())).build(), deadLetter);
  }

  private JobEvent.Builder event(
      JobEnvelope env, JobState state, long at, Job job, List<GenerationChunk> chunks) {
    return JobEvent.newBuilder()
        .setJobId(env.getJobId())
        .setTenant(env.getTenant())
        .setState(state)
        .setAtMs(at)
        .setJob(job)
        .addAllChunks(chunks)
        .setSource("worker");
  }

  /**
   * The chunks worth replaying from {@code lumina.events}: every seq, as references ({@link
   * #reference}), previews as {@code elided} ones (their images are transient), so a replay has no
   * gap.
   */
  static List<GenerationChunk> durable(List<GenerationChunk> chunks) {
    return chunks.stream()
        .map(
            c ->
                c.hasPreview()
                    ? c.toBuilder()
                        .setPreview(c.getPreview().toBuilder().clearPng().setElided(true).build())
                        .build()
                    : reference(c))
        .toList();
  }

  /**
   * {@code chunk} with the bytes of a frame, tile or audio segment left out: they are in the
   * artifact store at the chunk's {@code uri}, where gateways read them back. Other chunks are
   * returned as they are.
   */
  static GenerationChunk reference(GenerationChunk c) {
    return switch (c.getPayloadCase()) {
      case FRAME -> c.toBuilder().setFrame(c.getFrame().toBuilder().clearData()).build();
      case TILE -> c.toBuilder().setTile(c.getTile().toBuilder().clearData()).build();
      case AUDIO -> c.toBuilder().setAudio(c.getAudio().toBuilder().clearData()).build();
      default -> c;
    };
  }
}

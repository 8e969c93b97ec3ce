package dev.lumina.it.worker;

import com.google.protobuf.ByteString;
import dev.lumina.artifacts.ArtifactStore;
import dev.lumina.artifacts.ArtifactStoreException;
import dev.lumina.artifacts.ArtifactStoreUnavailableException;
import dev.lumina.artifacts.StoredArtifact;
import dev.lumina.engine.media.PngEncoder;
import dev.lumina.engine.media.RgbImage;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.v1.Frame;
import dev.lumina.proto.v1.Progress;
import dev.lumina.worker.BatchJob;
import dev.lumina.worker.CancelToken;
import dev.lumina.worker.ChunkEmitter;
import dev.lumina.worker.JobCancelledException;
import dev.lumina.worker.JobExecutor;
import dev.lumina.worker.JobFailedException;
import dev.lumina.worker.JobOutcome;
import dev.lumina.worker.JobResult;
import io.grpc.Status;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for the model in runtime tests: runs {@code steps} "sampling steps" (progress, cancel
 * check, a test hook per step), then stores and emits a 4×4 PNG. Lets runtime tests hold a job at a
 * step with latches. Thread-safe.
 */
final class ScriptedJobExecutor implements JobExecutor {
  private final ArtifactStore store;
  private final int steps;
  private final ConcurrentHashMap<String, CountDownLatch> holds = new ConcurrentHashMap<>();
  final ConcurrentHashMap<String, CountDownLatch> reachedStep1 = new ConcurrentHashMap<>();
  final ConcurrentHashMap<String, Integer> stepsRun = new ConcurrentHashMap<>();

  /** Sizes of the batches {@link #runBatch} was given, in order. */
  final List<Integer> batchSizes = new java.util.concurrent.CopyOnWriteArrayList<>();

  ScriptedJobExecutor(ArtifactStore store, int steps) {
    this.store = store;
    this.steps = steps;
  }

  /** Job {@code jobId} waits after its first step until the returned latch is counted down. */
  CountDownLatch holdAfterFirstStep(String jobId) {
    CountDownLatch l = new CountDownLatch(1);
    holds.put(jobId, l);
    reachedStep1.put(jobId, new CountDownLatch(1));
    return l;
  }

  /**
   * Jobs with prompt {@code prompt} wait after their first step until the returned latch is counted
   * down; {@link #reachedStep1} holds their latch under {@code "prompt:" + prompt}.
   */
  CountDownLatch holdAfterFirstStepOfPrompt(String prompt) {
    return holdAfterFirstStep("prompt:" + prompt);
  }

  /** Jobs whose prompt starts with "batch" share one batch key. */
  @Override
  public Optional<Object> batchKey(JobEnvelope job) {
    return job.getRequest().getPrompt().startsWith("batch")
        ? Optional.of("batch")
        : Optional.empty();
  }

  @Override
  public List<JobOutcome> runBatch(List<BatchJob> jobs) {
    batchSizes.add(jobs.size());
    return JobExecutor.super.runBatch(jobs);
  }

  @Override
  public JobResult run(JobEnvelope job, ChunkEmitter emitter, CancelToken cancel)
      throws JobFailedException, JobCancelledException {
    if (job.getRequest().getPrompt().equals("poison")) {
      throw new JobFailedException(
          Status.Code.INVALID_ARGUMENT, "prompt 'poison' cannot be drawn", true, null);
    }
    for (int s = 1; s <= steps; s++) {
      cancel.throwIfCancelled();
      stepsRun.merge(job.getJobId(), 1, Integer::sum);
      emitter.progress(
          Progress.newBuilder().setStep(s).setTotal(steps).setT((float) s / steps).build());
      if (s == 1) {
        String promptKey = "prompt:" + job.getRequest().getPrompt();
        CountDownLatch reached =
            reachedStep1.getOrDefault(job.getJobId(), reachedStep1.get(promptKey));
        if (reached != null) {
          reached.countDown();
        }
        CountDownLatch hold = holds.getOrDefault(job.getJobId(), holds.get(promptKey));
        if (hold != null) {
          try {
            // Held until released or cancelled (then the next step's check stops the job).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!hold.await(10, TimeUnit.MILLISECONDS) && !cancel.isCancelled()) {
              if (System.nanoTime() > deadline) {
                throw new JobFailedException(
                    Status.Code.INTERNAL, "test hold never released", false, null);
              }
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobFailedException(Status.Code.ABORTED, "interrupted", false, e);
          }
        }
      }
    }
    byte[] rgb = new byte[4 * 4 * 3];
    java.util.Arrays.fill(rgb, (byte) 200);
    byte[] png = PngEncoder.encode(new RgbImage(4, 4, rgb));
    try {
      StoredArtifact a = store.put(job.getJobId(), "image-0.png", PngEncoder.MEDIA_TYPE, png);
      emitter.frame(
          Frame.newBuilder()
              .setIndex(0)
              .setMediaType(PngEncoder.MEDIA_TYPE)
              .setData(ByteString.copyFrom(png))
              .setUri(a.uri().toString())
              .build());
      return new JobResult(List.of(a.toProto(0)), job.getSeed(), 1, 1, steps);
    } catch (ArtifactStoreUnavailableException e) {
      throw new JobFailedException(Status.Code.UNAVAILABLE, e.getMessage(), false, e);
    } catch (ArtifactStoreException e) {
      throw new JobFailedException(Status.Code.INTERNAL, e.getMessage(), false, e);
    }
  }
}

package dev.lumina.it.procs;

import dev.lumina.proto.v1.GenerationChunk;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Records one server-streaming {@code Generate}/{@code Watch} call: every chunk in arrival order
 * and the final status. Thread-safe: gRPC calls it on its threads, the test reads from its own.
 */
final class ChunkRecorder implements StreamObserver<GenerationChunk> {
  private final List<GenerationChunk> chunks = new CopyOnWriteArrayList<>();
  private final CountDownLatch done = new CountDownLatch(1);
  private final CountDownLatch firstProgress = new CountDownLatch(1);
  private volatile Status status;

  @Override
  public void onNext(GenerationChunk chunk) {
    chunks.add(chunk);
    if (chunk.hasProgress()) {
      firstProgress.countDown();
    }
  }

  @Override
  public void onError(Throwable t) {
    status = Status.fromThrowable(t);
    done.countDown();
  }

  @Override
  public void onCompleted() {
    status = Status.OK;
    done.countDown();
  }

  /** Chunks so far, in arrival order. */
  List<GenerationChunk> chunks() {
    return List.copyOf(chunks);
  }

  /** The job id from the first chunk (the gateway's {@code accepted}). */
  String jobId() {
    return chunks.get(0).getJobId();
  }

  /** The call's final status; null while it runs. */
  Status status() {
    return status;
  }

  boolean isDone() {
    return done.getCount() == 0;
  }

  /** Waits for the first progress chunk; false on timeout or if the call ended first. */
  boolean awaitProgress(Duration timeout) throws InterruptedException {
    return firstProgress.await(timeout.toMillis(), TimeUnit.MILLISECONDS) && !isDone();
  }

  /** Waits for the end of the call; false on timeout. */
  boolean awaitDone(Duration timeout) throws InterruptedException {
    return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** How many chunks of the stream carry {@code completed}. */
  /** The highest progress step seen so far (0 before the first). */
  int lastStep() {
    return chunks.stream()
        .filter(GenerationChunk::hasProgress)
        .mapToInt(c -> c.getProgress().getStep())
        .max()
        .orElse(0);
  }

  /** The sha256 of the first artifact of the job's completed chunk (its last chunk). */
  String completedSha256() {
    return chunks.get(chunks.size() - 1).getCompleted().getArtifacts(0).getSha256();
  }

  long completedCount() {
    return chunks.stream().filter(GenerationChunk::hasCompleted).count();
  }
}

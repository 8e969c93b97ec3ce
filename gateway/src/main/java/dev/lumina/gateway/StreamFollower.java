package dev.lumina.gateway;

import com.google.common.util.concurrent.MoreExecutors;
import dev.lumina.proto.v1.GenerationChunk;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Connects a client's server-streaming call to a {@link JobRecord}: chunks in order, each with its
 * media bytes read back from the artifact store ({@link ArtifactBytes#withBytes}), then {@code
 * onCompleted} for a completed job or the failure's status after a failed chunk. A client that goes
 * away only stops its stream; the job goes on.
 *
 * <p>The record calls {@link #onChunk}/{@link #onEnd} in order under its lock; the follower hands
 * each to a sequential executor of its own (on the gateway's stream pool), so reading bytes never
 * holds the record's lock and the client still gets the chunks in order. {@link #attach} must run
 * inside the gRPC handler (it installs the cancel handler); {@link #follow} may run later on any
 * thread. Chunks wait in the follower (as references) while the client is not ready for more.
 */
final class StreamFollower implements ChunkListener {
  private final ServerCallStreamObserver<GenerationChunk> call;
  private final ArtifactBytes bytes;
  private final Executor inOrder;
  private final AtomicReference<JobRecord> followed = new AtomicReference<>();

  /** Chunks (as references) and the final status not sent yet, in order. */
  private final ConcurrentLinkedQueue<Object> unsent = new ConcurrentLinkedQueue<>();

  private StreamFollower(
      ServerCallStreamObserver<GenerationChunk> call, ArtifactBytes bytes, Executor pool) {
    this.call = call;
    this.bytes = bytes;
    this.inOrder = MoreExecutors.newSequentialExecutor(pool);
  }

  static StreamFollower attach(
      StreamObserver<GenerationChunk> out, ArtifactBytes bytes, Executor pool) {
    StreamFollower f =
        new StreamFollower((ServerCallStreamObserver<GenerationChunk>) out, bytes, pool);
    // Flow control: a chunk's bytes are read and sent only when the client can take it, so a slow
    // client costs its unsent chunks' references, not their bytes.
    f.call.setOnReadyHandler(() -> f.inOrder.execute(f::pump));
    f.call.setOnCancelHandler(
        () -> {
          JobRecord r = f.followed.get();
          if (r != null) {
            r.unsubscribe(f);
          }
        });
    return f;
  }

  void follow(JobRecord record, long afterSeq) {
    followed.set(record);
    record.subscribe(afterSeq, this);
  }

  @Override
  public void onChunk(GenerationChunk chunk) {
    unsent.add(chunk);
    inOrder.execute(this::pump);
  }

  @Override
  public void onEnd(Status status) {
    unsent.add(status);
    inOrder.execute(this::pump);
  }

  /** Sends what the client is ready for; runs on the follower's sequential executor only. */
  private void pump() {
    while (!call.isCancelled()) {
      Object next = unsent.peek();
      if (next == null || (next instanceof GenerationChunk && !call.isReady())) {
        return;
      }
      unsent.poll();
      if (next instanceof GenerationChunk chunk) {
        call.onNext(bytes.withBytes(chunk));
      } else if (((Status) next).isOk()) {
        call.onCompleted();
      } else {
        call.onError(new StatusRuntimeException((Status) next));
      }
    }
    unsent.clear();
  }
}

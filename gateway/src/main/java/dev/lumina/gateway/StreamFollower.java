package dev.lumina.gateway;

import com.google.common.util.concurrent.MoreExecutors;
import dev.lumina.proto.v1.GenerationChunk;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
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
 * thread.
 */
final class StreamFollower implements ChunkListener {
  private final ServerCallStreamObserver<GenerationChunk> call;
  private final ArtifactBytes bytes;
  private final Executor inOrder;
  private final AtomicReference<JobRecord> followed = new AtomicReference<>();

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
    inOrder.execute(
        () -> {
          if (!call.isCancelled()) {
            call.onNext(bytes.withBytes(chunk));
          }
        });
  }

  @Override
  public void onEnd(Status status) {
    inOrder.execute(
        () -> {
          if (call.isCancelled()) {
            return;
          }
          if (status.isOk()) {
            call.onCompleted();
          } else {
            call.onError(new StatusRuntimeException(status));
          }
        });
  }
}

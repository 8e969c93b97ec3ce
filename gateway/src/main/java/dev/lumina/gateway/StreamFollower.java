package dev.lumina.gateway;

import dev.lumina.proto.v1.GenerationChunk;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Connects a client's server-streaming call to a {@link JobRecord}: chunks in order, then {@code
 * onCompleted} for a completed job or the failure's status after a failed chunk. A client that goes
 * away only stops its stream; the job goes on.
 *
 * <p>{@link #attach} must run inside the gRPC handler (it installs the cancel handler); {@link
 * #follow} may run later on any thread. Calls to the observer are serialized by the record.
 */
final class StreamFollower implements ChunkListener {
  private final ServerCallStreamObserver<GenerationChunk> call;
  private final AtomicReference<JobRecord> followed = new AtomicReference<>();

  private StreamFollower(ServerCallStreamObserver<GenerationChunk> call) {
    this.call = call;
  }

  static StreamFollower attach(StreamObserver<GenerationChunk> out) {
    StreamFollower f = new StreamFollower((ServerCallStreamObserver<GenerationChunk>) out);
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
    if (!call.isCancelled()) {
      call.onNext(chunk);
    }
  }

  @Override
  public void onEnd(Status status) {
    if (call.isCancelled()) {
      return;
    }
    if (status.isOk()) {
      call.onCompleted();
    } else {
      call.onError(new StatusRuntimeException(status));
    }
  }
}

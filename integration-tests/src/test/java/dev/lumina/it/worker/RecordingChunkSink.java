package dev.lumina.it.worker;

import dev.lumina.proto.cluster.v1.ChunkBatch;
import dev.lumina.proto.cluster.v1.ChunkSinkGrpc;
import dev.lumina.proto.cluster.v1.DeliverAck;
import dev.lumina.proto.v1.GenerationChunk;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A gateway's ChunkSink that records every chunk it receives, per job. Thread-safe. */
final class RecordingChunkSink extends ChunkSinkGrpc.ChunkSinkImplBase {
  private final Map<String, List<GenerationChunk>> byJob = new ConcurrentHashMap<>();

  List<GenerationChunk> chunks(String jobId) {
    List<GenerationChunk> l = byJob.get(jobId);
    if (l == null) {
      return List.of();
    }
    synchronized (l) {
      return List.copyOf(l);
    }
  }

  @Override
  public StreamObserver<ChunkBatch> deliver(StreamObserver<DeliverAck> ack) {
    return new StreamObserver<>() {
      long received;

      @Override
      public void onNext(ChunkBatch batch) {
        for (GenerationChunk c : batch.getChunksList()) {
          List<GenerationChunk> l = byJob.computeIfAbsent(c.getJobId(), k -> new ArrayList<>());
          synchronized (l) {
            l.add(c);
          }
          received++;
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        ack.onNext(DeliverAck.newBuilder().setReceived(received).build());
        ack.onCompleted();
      }
    };
  }
}

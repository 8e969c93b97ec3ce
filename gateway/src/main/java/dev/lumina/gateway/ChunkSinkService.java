package dev.lumina.gateway;

import dev.lumina.proto.cluster.v1.ChunkBatch;
import dev.lumina.proto.cluster.v1.ChunkSinkGrpc;
import dev.lumina.proto.cluster.v1.DeliverAck;
import dev.lumina.proto.v1.GenerationChunk;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code lumina.cluster.v1.ChunkSink}: workers push the chunks of the jobs this gateway owns.
 * Chunks already seen (same job id and seq) are dropped, so a worker may resend after a failure.
 * The ack counts every chunk received, duplicates included, and so does {@code
 * lumina_gateway_delivered_chunks_total} (chunks that reached this port, whatever its transport
 * security). Thread-safe.
 */
final class ChunkSinkService extends ChunkSinkGrpc.ChunkSinkImplBase {
  private final JobTable table;
  private final Counter delivered;

  ChunkSinkService(JobTable table, MeterRegistry registry) {
    this.table = table;
    this.delivered =
        Counter.builder("lumina.gateway.delivered.chunks")
            .description(
                "Chunks workers delivered to this gateway's ChunkSink, duplicates included")
            .register(registry);
  }

  @Override
  public StreamObserver<ChunkBatch> deliver(StreamObserver<DeliverAck> ack) {
    return new StreamObserver<>() {
      private long received;

      @Override
      public void onNext(ChunkBatch batch) {
        for (GenerationChunk c : batch.getChunksList()) {
          table.onPushedChunk(c);
          received++;
        }
        delivered.increment(batch.getChunksCount());
      }

      @Override
      public void onError(Throwable t) {
        // The worker went away; chunks already taken stay, the worker resends the rest.
      }

      @Override
      public void onCompleted() {
        ack.onNext(DeliverAck.newBuilder().setReceived(received).build());
        ack.onCompleted();
      }
    };
  }
}

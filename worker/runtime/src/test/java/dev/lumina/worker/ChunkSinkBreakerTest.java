package dev.lumina.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.proto.cluster.v1.ChunkBatch;
import dev.lumina.proto.cluster.v1.ChunkSinkGrpc;
import dev.lumina.proto.cluster.v1.DeliverAck;
import dev.lumina.proto.v1.Completed;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.Progress;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A gateway whose ChunkSink fails every call: after two jobs the worker's breaker for it opens and
 * later jobs open no call at all, yet every chunk still goes to the Kafka relay.
 */
class ChunkSinkBreakerTest {
  private final AtomicInteger calls = new AtomicInteger();
  private Server server;
  private ChunkSinkClient client;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                new ChunkSinkGrpc.ChunkSinkImplBase() {
                  @Override
                  public StreamObserver<ChunkBatch> deliver(StreamObserver<DeliverAck> acks) {
                    calls.incrementAndGet();
                    acks.onError(Status.UNAVAILABLE.withDescription("failing").asException());
                    return new StreamObserver<>() {
                      @Override
                      public void onNext(ChunkBatch value) {}

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {}
                    };
                  }
                })
            .build()
            .start();
    client =
        new ChunkSinkClient(
            target -> InProcessChannelBuilder.forName(name).directExecutor().build(),
            Duration.ofSeconds(2));
  }

  @AfterEach
  void stop() {
    client.close();
    server.shutdownNow();
  }

  private List<GenerationChunk> runJob(String jobId) {
    List<GenerationChunk> relayed = new ArrayList<>();
    JobChunkStream s = new JobChunkStream(jobId, "gw-1:8444", client, relayed::add);
    s.progress(Progress.newBuilder().setStep(1).setTotal(2).build());
    s.progress(Progress.newBuilder().setStep(2).setTotal(2).build());
    s.finish(GenerationChunk.newBuilder().setCompleted(Completed.getDefaultInstance()));
    return relayed;
  }

  @Test
  void aFailingGatewayOpensTheBreakerAndLaterJobsSkipItButStillRelayEveryChunk() {
    runJob("j-1");
    runJob("j-2");
    assertThat(client.breaker("gw-1:8444").getState()).isEqualTo(CircuitBreaker.State.OPEN);
    int before = calls.get();
    assertThat(before).as("one call per job before the breaker opened").isEqualTo(2);

    List<GenerationChunk> relayed = runJob("j-3");

    assertThat(calls.get()).as("no call while the breaker is open").isEqualTo(before);
    assertThat(relayed).extracting(GenerationChunk::getSeq).containsExactly(2L, 3L, 4L);
    assertThat(client.breaker("gw-2:8444").getState())
        .as("other gateways have their own breaker")
        .isEqualTo(CircuitBreaker.State.CLOSED);
  }
}

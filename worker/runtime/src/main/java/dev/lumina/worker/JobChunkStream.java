package dev.lumina.worker;

import dev.lumina.proto.cluster.v1.ChunkBatch;
import dev.lumina.proto.cluster.v1.ChunkSinkGrpc;
import dev.lumina.proto.cluster.v1.DeliverAck;
import dev.lumina.proto.v1.AudioSegment;
import dev.lumina.proto.v1.Frame;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.Preview;
import dev.lumina.proto.v1.Progress;
import dev.lumina.proto.v1.Tile;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chunks of one job: numbers them, relays each (bytes as artifact references) to {@code
 * lumina.chunks} for every gateway, and streams them with their bytes to the job's own gateway over
 * one {@code ChunkSink/Deliver} call.
 *
 * <p>Numbering: the gateway sends the client's {@code accepted} chunk as seq {@value
 * #ACCEPTED_SEQ}; the worker numbers its chunks from {@value #FIRST_WORKER_SEQ} upwards, one per
 * chunk. A rerun of the job (after a worker failure) numbers the same chunks the same way, so the
 * gateway's (job id, seq) de-duplication drops what it already has.
 *
 * <p>Chunks go one per {@code ChunkBatch} while a call is open, so each reaches the client at once.
 * When the stream breaks, a later chunk opens a new call that first resends every chunk so far in
 * as few batches as fit (the gateway drops duplicates), up to {@value #MAX_REOPENS} times per job;
 * after that chunks reach the gateway only through {@code lumina.chunks} and the terminal event.
 * Each call's outcome is recorded in the gateway's circuit breaker ({@link
 * ChunkSinkClient#breaker}); while it is open no call is opened at all. Used from the job's thread;
 * the gRPC callbacks touch only the thread-safe futures.
 */
final class JobChunkStream implements ChunkEmitter {
  /** Seq of the gateway's {@code accepted} chunk. */
  static final long ACCEPTED_SEQ = 1;

  /** Seq of the first chunk a worker sends for a job. */
  static final long FIRST_WORKER_SEQ = ACCEPTED_SEQ + 1;

  static final int MAX_REOPENS = 3;

  /**
   * Most bytes of chunks per replayed batch: a chunk carries at most 1 MiB, a gateway's ChunkSink
   * takes messages of up to 16 MiB.
   */
  static final long REPLAY_BATCH_BYTES = 4L * 1024 * 1024;

  private static final Logger LOG = LoggerFactory.getLogger(JobChunkStream.class);

  private final String jobId;
  private final String gateway;
  private final ChunkSinkClient client;
  private final java.util.function.Consumer<GenerationChunk> relay;
  private final List<GenerationChunk> sent = new ArrayList<>();
  private long nextSeq = FIRST_WORKER_SEQ;
  private StreamObserver<ChunkBatch> call;
  private CompletableFuture<DeliverAck> ack;
  private int opens;
  private long sentOnCall;
  private int lastProgressStep;
  private int totalSteps;
  private final CircuitBreaker breaker;
  private boolean permit;
  private long callStartNanos;

  JobChunkStream(
      String jobId,
      String gateway,
      ChunkSinkClient client,
      java.util.function.Consumer<GenerationChunk> relay) {
    this.jobId = jobId;
    this.gateway = gateway;
    this.client = client;
    this.relay = relay;
    this.breaker = gateway.isEmpty() ? null : client.breaker(gateway);
  }

  @Override
  public void progress(Progress progress) {
    lastProgressStep = progress.getStep();
    totalSteps = progress.getTotal();
    send(GenerationChunk.newBuilder().setProgress(progress));
  }

  @Override
  public void preview(Preview preview) {
    send(GenerationChunk.newBuilder().setPreview(preview));
  }

  @Override
  public void frame(Frame frame) {
    send(GenerationChunk.newBuilder().setFrame(frame));
  }

  @Override
  public void tile(Tile tile) {
    send(GenerationChunk.newBuilder().setTile(tile));
  }

  @Override
  public void audio(AudioSegment segment) {
    send(GenerationChunk.newBuilder().setAudio(segment));
  }

  /** Sends the terminal chunk, ends the call and waits (bounded) for the gateway's ack. */
  GenerationChunk finish(GenerationChunk.Builder terminal) {
    GenerationChunk chunk = send(terminal);
    StreamObserver<ChunkBatch> c = call;
    CompletableFuture<DeliverAck> a = ack;
    if (c == null || a == null) {
      return chunk;
    }
    try {
      long received = awaitAck(c, a);
      settle(null);
      if (received < sentOnCall) {
        LOG.warn(
            "job {}: gateway {} acknowledged {} of the {} chunks sent on its call",
            jobId,
            gateway,
            received,
            sentOnCall);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ChunkDeliveryException e) {
      // The job is done: its terminal event carries every durable chunk for a gateway that missed
      // some.
      settle(e);
      LOG.warn("job {}: {}", jobId, e.getMessage());
    }
    return chunk;
  }

  /** Ends the call and returns how many chunks the gateway says it received on it. */
  private long awaitAck(StreamObserver<ChunkBatch> c, CompletableFuture<DeliverAck> a)
      throws InterruptedException, ChunkDeliveryException {
    try {
      c.onCompleted();
      return a.get(client.ackTimeout().toMillis(), TimeUnit.MILLISECONDS).getReceived();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      throw new ChunkDeliveryException(
          "gateway " + gateway + " did not acknowledge its chunks: " + e, e);
    }
  }

  /** Every chunk of the job so far, in order. */
  List<GenerationChunk> chunks() {
    return List.copyOf(sent);
  }

  /** The chunks so far as lumina.events keeps them (previews elided, media as references). */
  @Override
  public List<GenerationChunk> emitted() {
    return JobRunner.durable(sent);
  }

  @Override
  public void resumeAfter(List<GenerationChunk> earlier) {
    if (!sent.isEmpty()) {
      throw new IllegalStateException("job " + jobId + " has emitted chunks already");
    }
    for (GenerationChunk c : earlier) {
      if (c.getSeq() != nextSeq) {
        throw new IllegalArgumentException(
            "job " + jobId + ": checkpointed chunk seq " + c.getSeq() + ", expected " + nextSeq);
      }
      sent.add(c);
      nextSeq++;
      if (c.hasProgress()) {
        lastProgressStep = c.getProgress().getStep();
        totalSteps = c.getProgress().getTotal();
      }
    }
  }

  long lastSeq() {
    return nextSeq - 1;
  }

  int lastProgressStep() {
    return lastProgressStep;
  }

  int totalSteps() {
    return totalSteps;
  }

  private GenerationChunk send(GenerationChunk.Builder b) {
    GenerationChunk chunk = b.setJobId(jobId).setSeq(nextSeq++).build();
    sent.add(chunk);
    try {
      push(chunk);
    } finally {
      // After the push: the job's own gateway then gets the chunk with its bytes before the
      // reference copy from lumina.chunks, which a gateway without the artifact store cannot fill.
      relay.accept(JobRunner.reference(chunk));
    }
    return chunk;
  }

  private void push(GenerationChunk chunk) {
    if (gateway.isEmpty()) {
      return;
    }
    try {
      if (call == null || ack.isDone()) {
        if (call != null) {
          settle(failureOf(ack));
          call = null;
        }
        if (opens >= MAX_REOPENS + 1) {
          return;
        }
        if (!breaker.tryAcquirePermission()) {
          if (opens == 0) {
            LOG.info(
                "job {}: gateway {} is failing (circuit open): chunks go through Kafka only",
                jobId,
                gateway);
            opens = MAX_REOPENS + 1;
          }
          return;
        }
        permit = true;
        callStartNanos = System.nanoTime();
        open();
        replay();
        sentOnCall = sent.size();
      } else {
        deliver(ChunkBatch.newBuilder().addChunks(chunk).build());
        sentOnCall++;
      }
    } catch (ChunkDeliveryException e) {
      // Retried by a later chunk, which opens a new call and resends everything so far.
      LOG.warn("job {}: chunk {}: {}", jobId, chunk.getSeq(), e.getMessage());
      settle(e);
      call = null;
    }
  }

  /** Records the outcome of the current call in the gateway's breaker (once per call). */
  private void settle(Throwable failure) {
    if (!permit) {
      return;
    }
    permit = false;
    long took = System.nanoTime() - callStartNanos;
    if (failure == null) {
      breaker.onSuccess(took, TimeUnit.NANOSECONDS);
    } else {
      breaker.onError(took, TimeUnit.NANOSECONDS, failure);
    }
  }

  /** Why a finished call failed, or null when the gateway ended it normally. */
  private static Throwable failureOf(CompletableFuture<DeliverAck> a) {
    try {
      a.getNow(null);
      return null;
    } catch (java.util.concurrent.CompletionException
        | java.util.concurrent.CancellationException e) {
      return e.getCause() == null ? e : e.getCause();
    }
  }

  private void deliver(ChunkBatch batch) throws ChunkDeliveryException {
    try {
      call.onNext(batch);
    } catch (RuntimeException e) {
      throw new ChunkDeliveryException("cannot deliver to gateway " + gateway + ": " + e, e);
    }
  }

  /**
   * Resends every chunk so far on a fresh call, as few batches as the gateway's inbound limit
   * allows: a gateway that restarted, or a call that broke, gets the whole job again and drops what
   * it already has.
   */
  private void replay() throws ChunkDeliveryException {
    ChunkBatch.Builder batch = ChunkBatch.newBuilder();
    long bytes = 0;
    for (GenerationChunk earlier : sent) {
      int size = earlier.getSerializedSize();
      if (batch.getChunksCount() > 0 && bytes + size > REPLAY_BATCH_BYTES) {
        deliver(batch.build());
        batch.clear();
        bytes = 0;
      }
      batch.addChunks(earlier);
      bytes += size;
    }
    if (batch.getChunksCount() > 0) {
      deliver(batch.build());
    }
  }

  private void open() throws ChunkDeliveryException {
    opens++;
    sentOnCall = 0;
    CompletableFuture<DeliverAck> a = new CompletableFuture<>();
    StreamObserver<DeliverAck> responses =
        new StreamObserver<>() {
          @Override
          public void onNext(DeliverAck value) {
            a.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            a.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            a.complete(DeliverAck.getDefaultInstance());
          }
        };
    ack = a;
    try {
      call = ChunkSinkGrpc.newStub(client.channel(gateway)).deliver(responses);
    } catch (RuntimeException e) {
      throw new ChunkDeliveryException("cannot open a call to gateway " + gateway + ": " + e, e);
    }
  }
}

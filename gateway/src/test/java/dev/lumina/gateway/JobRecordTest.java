package dev.lumina.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.lumina.proto.v1.Completed;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.Job;
import dev.lumina.proto.v1.JobState;
import dev.lumina.proto.v1.Preview;
import dev.lumina.proto.v1.Progress;
import org.junit.jupiter.api.Test;

/**
 * What a job record keeps: a finished job no preview pictures (they are transient, and replays show
 * them elided); a running job's state never goes back to QUEUED.
 */
class JobRecordTest {
  @Test
  void aQueuedEventReadAfterTheJobWasSeenRunningDoesNotMoveItBack() {
    JobRecord r =
        new JobRecord(
            "j-2", "t", Job.newBuilder().setJobId("j-2").setState(JobState.QUEUED).build(), null);
    r.addChunk(
        chunk(2, GenerationChunk.newBuilder().setProgress(Progress.newBuilder().setStep(1)))
            .toBuilder()
            .setJobId("j-2")
            .build());
    assertThat(r.state()).isEqualTo(JobState.RUNNING);
    r.applyEvent(
        dev.lumina.proto.cluster.v1.JobEvent.newBuilder()
            .setJobId("j-2")
            .setState(JobState.QUEUED)
            .setJob(Job.newBuilder().setJobId("j-2").setState(JobState.QUEUED))
            .setWorkTopic("lumina.work.image.s")
            .build());
    assertThat(r.state()).isEqualTo(JobState.RUNNING);
    assertThat(r.placed()).isTrue();
  }

  private static GenerationChunk chunk(long seq, GenerationChunk.Builder b) {
    return b.setJobId("j-1").setSeq(seq).build();
  }

  @Test
  void previewPicturesAreDroppedOnceTheJobEndedAndNotTakenBackLater() {
    JobRecord r =
        new JobRecord(
            "j-1", "t", Job.newBuilder().setJobId("j-1").setState(JobState.QUEUED).build(), null);
    ByteString png = ByteString.copyFrom(new byte[4096]);
    r.addChunk(
        chunk(1, GenerationChunk.newBuilder().setProgress(Progress.newBuilder().setStep(1))));
    r.addChunk(
        chunk(
            2,
            GenerationChunk.newBuilder().setPreview(Preview.newBuilder().setStep(1).setPng(png))));
    assertThat(r.chunks().get(1).getPreview().getPng()).as("while running").isEqualTo(png);

    r.addChunk(chunk(3, GenerationChunk.newBuilder().setCompleted(Completed.getDefaultInstance())));

    assertThat(r.ended()).isTrue();
    assertThat(r.chunks().get(1).getPreview().getElided()).isTrue();
    assertThat(r.chunks().get(1).getPreview().getPng()).isEmpty();
    assertThat(r.chunks().get(1).getPreview().getStep()).isEqualTo(1);
    r.addChunk(
        chunk(
            2,
            GenerationChunk.newBuilder().setPreview(Preview.newBuilder().setStep(1).setPng(png))));
    assertThat(r.chunks().get(1).getPreview().getPng()).as("a late repeat").isEmpty();
  }

  /** Records what a stream was sent. */
  private static final class Recorder implements ChunkListener {
    final java.util.List<GenerationChunk> got = new java.util.concurrent.CopyOnWriteArrayList<>();
    volatile io.grpc.Status end;

    @Override
    public void onChunk(GenerationChunk chunk) {
      got.add(chunk);
    }

    @Override
    public void onEnd(io.grpc.Status status) {
      end = status;
    }
  }

  /** A running job's record on a gateway without an artifact store. */
  private static JobRecord storelessRunning() {
    JobRecord r =
        new JobRecord(
            "j-1", "t", Job.newBuilder().setJobId("j-1").setState(JobState.RUNNING).build(), null);
    r.holdBareMedia();
    return r;
  }

  private static GenerationChunk frame(long seq, boolean withBytes) {
    dev.lumina.proto.v1.Frame.Builder f =
        dev.lumina.proto.v1.Frame.newBuilder().setMediaType("image/png").setUri("file:///a.png");
    if (withBytes) {
      f.setData(ByteString.copyFromUtf8("png"));
    }
    return chunk(seq, GenerationChunk.newBuilder().setFrame(f));
  }

  @Test
  void aStorelessGatewayWaitsForThePushedCopyOfAFrameThatArrivedAsABareReference() {
    JobRecord r = storelessRunning();
    Recorder rec = new Recorder();
    r.subscribe(0, rec);
    r.addChunk(chunk(1, GenerationChunk.newBuilder().setProgress(Progress.newBuilder())), true);
    // The relay copy overtakes the push: it is not streamed yet ...
    r.addChunk(frame(2, false), false);
    r.addChunk(chunk(3, GenerationChunk.newBuilder().setCompleted(Completed.newBuilder())), false);
    assertThat(rec.got).hasSize(1);
    assertThat(rec.end).isNull();
    // ... the pushed copy arrives and goes out with its bytes, then the end.
    r.addChunk(frame(2, true), true);
    assertThat(rec.got).hasSize(3);
    assertThat(rec.got.get(1).getFrame().getData().toStringUtf8()).isEqualTo("png");
    assertThat(rec.end).isEqualTo(io.grpc.Status.OK);
  }

  @Test
  void aBareReferenceWhosePushNeverComesIsStreamedAfterTheWait() {
    JobRecord r = storelessRunning();
    Recorder rec = new Recorder();
    r.subscribe(0, rec);
    r.addChunk(chunk(1, GenerationChunk.newBuilder().setProgress(Progress.newBuilder())), true);
    long t0 = System.nanoTime();
    r.addChunk(frame(2, false), false);
    r.addChunk(chunk(3, GenerationChunk.newBuilder().setCompleted(Completed.newBuilder())), false);
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> rec.end != null);
    assertThat((System.nanoTime() - t0) / 1e6).isGreaterThanOrEqualTo(JobRecord.BARE_MEDIA_WAIT_MS);
    assertThat(rec.got).extracting(GenerationChunk::getSeq).containsExactly(1L, 2L, 3L);
    assertThat(rec.got.get(1).getFrame().getData().isEmpty()).isTrue();
  }

  @Test
  void withoutPushesNothingWaits() {
    JobRecord r = storelessRunning();
    Recorder rec = new Recorder();
    r.subscribe(0, rec);
    // A gateway that is not the job's ChunkSink target only ever sees relay copies.
    r.addChunk(chunk(1, GenerationChunk.newBuilder().setProgress(Progress.newBuilder())), false);
    r.addChunk(frame(2, false), false);
    assertThat(rec.got).hasSize(2);
  }
}

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
}

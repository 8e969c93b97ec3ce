package dev.lumina.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.lumina.proto.v1.Completed;
import dev.lumina.proto.v1.Frame;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.Preview;
import dev.lumina.proto.v1.Progress;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobRunnerTest {
  private static final ByteString PNG = ByteString.copyFrom(new byte[] {(byte) 0x89, 'P', 'N'});

  @Test
  void theTerminalEventKeepsEverySeqWithPreviewsElidedAndMediaAsReferences() {
    List<GenerationChunk> chunks =
        List.of(
            GenerationChunk.newBuilder()
                .setSeq(2)
                .setProgress(Progress.newBuilder().setStep(1))
                .build(),
            GenerationChunk.newBuilder()
                .setSeq(3)
                .setPreview(Preview.newBuilder().setStep(1).setPng(PNG))
                .build(),
            GenerationChunk.newBuilder()
                .setSeq(4)
                .setFrame(Frame.newBuilder().setData(PNG).setUri("file:///a/j/image-000.png"))
                .build(),
            GenerationChunk.newBuilder().setSeq(5).setCompleted(Completed.newBuilder()).build());

    List<GenerationChunk> durable = JobRunner.durable(chunks);

    assertThat(durable).extracting(GenerationChunk::getSeq).containsExactly(2L, 3L, 4L, 5L);
    assertThat(durable.get(1).getPreview().getElided()).isTrue();
    assertThat(durable.get(1).getPreview().getPng()).isEmpty();
    assertThat(durable.get(1).getPreview().getStep()).isEqualTo(1);
    assertThat(durable.get(2).getFrame().getData()).isEmpty();
    assertThat(durable.get(2).getFrame().getUri()).isEqualTo("file:///a/j/image-000.png");
  }

  @Test
  void aReferenceDropsOnlyMediaBytes() {
    GenerationChunk preview =
        GenerationChunk.newBuilder().setSeq(3).setPreview(Preview.newBuilder().setPng(PNG)).build();
    assertThat(JobRunner.reference(preview)).isEqualTo(preview);
    GenerationChunk frame =
        GenerationChunk.newBuilder().setSeq(4).setFrame(Frame.newBuilder().setData(PNG)).build();
    assertThat(JobRunner.reference(frame).getFrame().getData()).isEmpty();
  }
}

package dev.lumina.worker.flagdit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.artifacts.ArtifactNotFoundException;
import dev.lumina.artifacts.FileSystemArtifactStore;
import dev.lumina.proto.cluster.v1.JobCheckpoint;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.v1.AudioSegment;
import dev.lumina.proto.v1.Frame;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.Output;
import dev.lumina.proto.v1.Preview;
import dev.lumina.proto.v1.Progress;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.proto.v1.Tile;
import dev.lumina.worker.CancelToken;
import dev.lumina.worker.ChunkEmitter;
import dev.lumina.worker.JobResult;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job whose worker dies after a checkpoint continues from it on the next attempt: fewer steps
 * run, chunks numbered after the checkpointed ones, and the same image bytes as an uninterrupted
 * run; the checkpoint is gone once the job ended.
 */
class CheckpointResumeTest {
  @TempDir static Path tmp;
  private static FlagDitJobExecutor executor;
  private static FileSystemArtifactStore store;

  @BeforeAll
  static void load() throws Exception {
    Path dir = TinyModelDir.write(tmp.resolve("tiny"), false);
    store = new FileSystemArtifactStore(tmp.resolve("artifacts"));
    executor =
        FlagDitJobExecutor.load(
            dev.lumina.engine.ModelLayout.of(dir), store, "test", Checkpoints.Policy.parse("3"));
  }

  @AfterAll
  static void close() {
    if (executor != null) {
      executor.close();
    }
  }

  private static JobEnvelope job(String id) {
    return JobEnvelope.newBuilder()
        .setJobId(id)
        .setSeed(99)
        .setRequestFingerprint("fp-1")
        .setRequest(
            GenerateRequest.newBuilder()
                .setPrompt("a red square")
                .setModality(Modality.IMAGE)
                .setGeometry(Geometry.newBuilder().setWidth(32).setHeight(32))
                .setSampling(Sampling.newBuilder().setSteps(10))
                .setOutput(Output.newBuilder().setPreviewEvery(2)))
        .build();
  }

  /** Numbers chunks from 2 as the runtime does, and can continue after checkpointed ones. */
  static class Numbered implements ChunkEmitter {
    final List<GenerationChunk> chunks = new ArrayList<>();
    final List<Integer> steps = new ArrayList<>();
    final int dieAfterStep;

    Numbered(int dieAfterStep) {
      this.dieAfterStep = dieAfterStep;
    }

    private void add(GenerationChunk.Builder b) {
      chunks.add(
          b.setSeq(chunks.isEmpty() ? 2 : chunks.get(chunks.size() - 1).getSeq() + 1).build());
    }

    @Override
    public void progress(Progress p) {
      if (p.getStep() == dieAfterStep + 1) {
        throw new IllegalStateException("the worker died");
      }
      steps.add(p.getStep());
      add(GenerationChunk.newBuilder().setProgress(p));
    }

    @Override
    public void preview(Preview p) {
      add(GenerationChunk.newBuilder().setPreview(p));
    }

    @Override
    public void frame(Frame f) {
      add(GenerationChunk.newBuilder().setFrame(f));
    }

    @Override
    public void tile(Tile t) {
      add(GenerationChunk.newBuilder().setTile(t));
    }

    @Override
    public void audio(AudioSegment a) {
      add(GenerationChunk.newBuilder().setAudio(a));
    }

    @Override
    public List<GenerationChunk> emitted() {
      return List.copyOf(chunks);
    }

    @Override
    public void resumeAfter(List<GenerationChunk> earlier) {
      chunks.addAll(earlier);
    }
  }

  @Test
  void aJobCutShortAfterACheckpointContinuesFromItWithTheSameResult() throws Exception {
    Numbered uncut = new Numbered(Integer.MAX_VALUE);
    JobResult whole = executor.run(job("uncut"), uncut, new CancelToken());

    Numbered first = new Numbered(7);
    assertThatThrownBy(() -> executor.run(job("cut"), first, new CancelToken()))
        .hasMessageContaining("the worker died");
    JobCheckpoint cp;
    try (InputStream in = store.open(store.locate("cut", Checkpoints.NAME))) {
      cp = JobCheckpoint.parseFrom(in);
    }
    assertThat(cp.getStep()).as("the newest checkpoint: every 3 steps").isEqualTo(6);
    assertThat(cp.getTotalSteps()).isEqualTo(9);
    long lastCheckpointedSeq = cp.getChunks(cp.getChunksCount() - 1).getSeq();

    Numbered second = new Numbered(Integer.MAX_VALUE);
    JobResult resumed = executor.run(job("cut"), second, new CancelToken());

    assertThat(second.steps).as("steps run by the second attempt").containsExactly(7, 8, 9);
    assertThat(second.chunks.get(cp.getChunksCount()).getSeq()).isEqualTo(lastCheckpointedSeq + 1);
    assertThat(resumed.artifacts().get(0).getSha256())
        .as("the same image as the uninterrupted run")
        .isEqualTo(whole.artifacts().get(0).getSha256());
    assertThat(second.chunks)
        .as("the chunks, numbered as in the uninterrupted run")
        .extracting(GenerationChunk::getSeq, GenerationChunk::getPayloadCase)
        .containsExactlyElementsOf(
            uncut.chunks.stream()
                .map(c -> org.assertj.core.groups.Tuple.tuple(c.getSeq(), c.getPayloadCase()))
                .toList());
    assertThatThrownBy(() -> store.open(store.locate("cut", Checkpoints.NAME)))
        .as("deleted once the job ended")
        .isInstanceOf(ArtifactNotFoundException.class);
  }

  @Test
  void aCheckpointOfOtherParametersIsIgnored() throws Exception {
    Numbered first = new Numbered(4);
    assertThatThrownBy(() -> executor.run(job("changed"), first, new CancelToken()))
        .hasMessageContaining("the worker died");
    Numbered second = new Numbered(Integer.MAX_VALUE);
    executor.run(
        job("changed").toBuilder().setRequestFingerprint("fp-2").build(),
        second,
        new CancelToken());
    assertThat(second.steps).as("started over").startsWith(1, 2, 3);
  }

  @Test
  void policiesParseAndBadOnesNameTheValue() {
    assertThat(Checkpoints.Policy.parse("off").enabled()).isFalse();
    assertThat(Checkpoints.Policy.parse("5").everySteps()).isEqualTo(5);
    assertThat(Checkpoints.Policy.parse("30s").every()).hasSeconds(30);
    assertThat(Checkpoints.Policy.parse("250ms").every()).hasMillis(250);
    assertThatThrownBy(() -> Checkpoints.Policy.parse("soon"))
        .hasMessageContaining("checkpoint-every")
        .hasMessageContaining("'soon'");
    assertThat(new Checkpoints(store, Checkpoints.Policy.NEVER, Clock.systemUTC()).enabled())
        .isFalse();
  }
}

package dev.lumina.worker.flagdit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.artifacts.FileSystemArtifactStore;
import dev.lumina.engine.RandomModel;
import dev.lumina.engine.model.FlagDitConfig;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.worker.CancelToken;
import dev.lumina.worker.JobResult;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An AUDIO job on a small random-weight single-channel audio Flag-DiT ends as a decodable WAV. */
class FlagDitAudioJobTest {
  @TempDir Path tmp;

  @Test
  void audioJobStreamsProgressAndStoresADecodableWavOfTheRequestedLength() throws Exception {
    Path dir = tmp.resolve("audio-model");
    RandomModel.write(dir, List.of("a low hum"), 8, FlagDitConfig.audio(32, 1, 2, 16, 1), 1, 2);
    Files.writeString(
        dir.resolve(ModelCards.FILE),
        "{\"name\": \"hum\", \"audio_frames_per_second\": 8000, \"default_duration_s\": 0.0625,"
            + " \"default_steps\": 3}");
    try (FlagDitJobExecutor ex =
        FlagDitJobExecutor.load(dir, new FileSystemArtifactStore(tmp.resolve("a")), "t")) {
      assertThat(ex.modelCard().orElseThrow().getInfo().getModalitiesList())
          .containsExactly(Modality.AUDIO);
      FlagDitJobExecutorTest.Recorder rec = new FlagDitJobExecutorTest.Recorder();
      JobEnvelope job =
          JobEnvelope.newBuilder()
              .setJobId("hum-1")
              .setSeed(3)
              .setRequest(
                  GenerateRequest.newBuilder()
                      .setPrompt("a low hum")
                      .setModality(Modality.AUDIO)
                      .setGeometry(Geometry.newBuilder().setDurationS(0.0625f))
                      .setSampling(Sampling.newBuilder().setSteps(3)))
              .build();

      JobResult r = ex.run(job, rec, new CancelToken());

      assertThat(rec.progress).hasSize(2);
      assertThat(rec.audio).hasSize(1);
      assertThat(rec.audio.get(0).getSampleRateHz()).isEqualTo(8000);
      try (AudioInputStream in =
          AudioSystem.getAudioInputStream(
              new ByteArrayInputStream(rec.audio.get(0).getData().toByteArray()))) {
        assertThat(in.getFormat().getSampleRate()).isEqualTo(8000f);
        assertThat(in.getFrameLength()).isEqualTo(500);
      }
      assertThat(r.artifacts().get(0).getMediaType()).isEqualTo("audio/wav");
      assertThat(r.artifacts().get(0).getUri()).endsWith("audio-000.wav");
    }
  }
}

package dev.lumina.worker.flagdit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.artifacts.FileSystemArtifactStore;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.v1.AudioSegment;
import dev.lumina.proto.v1.Frame;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.Output;
import dev.lumina.proto.v1.Preview;
import dev.lumina.proto.v1.Progress;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.proto.v1.Tile;
import dev.lumina.worker.BatchJob;
import dev.lumina.worker.CancelToken;
import dev.lumina.worker.ChunkEmitter;
import dev.lumina.worker.JobCancelledException;
import dev.lumina.worker.JobFailedException;
import dev.lumina.worker.JobOutcome;
import dev.lumina.worker.JobResult;
import io.grpc.Status;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlagDitJobExecutorTest {

  @TempDir static Path tmp;
  private static FlagDitJobExecutor executor;

  @BeforeAll
  static void load() throws Exception {
    Path dir = TinyModelDir.write(tmp.resolve("tiny"), false);
    executor =
        FlagDitJobExecutor.load(dir, new FileSystemArtifactStore(tmp.resolve("artifacts")), "test");
  }

  @AfterAll
  static void close() {
    if (executor != null) {
      executor.close();
    }
  }

  @Test
  void imageJobStreamsProgressEveryStepPreviewsAndADecodablePngArtifact() throws Exception {
    Recorder rec = new Recorder();
    JobResult r = executor.run(job("img-1", 32, 48, 5, 2, 0), rec, new CancelToken());

    assertThat(rec.progress).extracting(Progress::getStep).containsExactly(1, 2, 3, 4);
    assertThat(rec.progress).allSatisfy(p -> assertThat(p.getTotal()).isEqualTo(4));
    assertThat(rec.progress.get(3).getT()).isEqualTo(1f);
    assertThat(rec.previews).extracting(Preview::getStep).containsExactly(2);
    assertThat(ImageIO.read(new ByteArrayInputStream(rec.previews.get(0).getPng().toByteArray())))
        .isNotNull();
    assertThat(rec.frames).hasSize(1);
    BufferedImage img =
        ImageIO.read(new ByteArrayInputStream(rec.frames.get(0).getData().toByteArray()));
    assertThat(img.getWidth()).isEqualTo(32);
    assertThat(img.getHeight()).isEqualTo(48);
    assertThat(r.steps()).isEqualTo(4);
    assertThat(r.seed()).isEqualTo(1234);
    assertThat(r.artifacts()).hasSize(1);
    byte[] stored = Files.readAllBytes(Path.of(java.net.URI.create(r.artifacts().get(0).getUri())));
    assertThat(stored).isEqualTo(rec.frames.get(0).getData().toByteArray());
    assertThat(
            HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(stored)))
        .isEqualTo(r.artifacts().get(0).getSha256());
  }

  @Test
  void sameSeedAndParametersGiveTheSamePixels() throws Exception {
    JobResult a = executor.run(job("seed-a", 32, 32, 3, 0, 0), new Recorder(), new CancelToken());
    JobResult b = executor.run(job("seed-b", 32, 32, 3, 0, 0), new Recorder(), new CancelToken());
    assertThat(a.artifacts().get(0).getSha256()).isEqualTo(b.artifacts().get(0).getSha256());
  }

  @Test
  void cancelDuringAStepStopsSamplingBeforeTheNextStep() {
    CancelToken cancel = new CancelToken();
    Recorder rec =
        new Recorder() {
          @Override
          public void progress(Progress p) {
            super.progress(p);
            if (p.getStep() == 1) {
              cancel.cancel();
            }
          }
        };
    assertThatThrownBy(() -> executor.run(job("cancel-1", 32, 32, 20, 0, 0), rec, cancel))
        .isInstanceOf(JobCancelledException.class);
    assertThat(rec.progress).extracting(Progress::getStep).containsExactly(1);
    assertThat(rec.frames).isEmpty();
  }

  @Test
  void pictureLargerThanTheTileSizeIsDeliveredAsTilesCoveringIt() throws Exception {
    Recorder rec = new Recorder();
    JobResult r = executor.run(job("tiles-1", 96, 32, 2, 0, 64), rec, new CancelToken());
    assertThat(rec.frames).isEmpty();
    assertThat(rec.tiles)
        .extracting(Tile::getX, Tile::getY, Tile::getWidth, Tile::getHeight)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(0, 0, 64, 32),
            org.assertj.core.groups.Tuple.tuple(64, 0, 32, 32));
    for (Tile t : rec.tiles) {
      BufferedImage img = ImageIO.read(new ByteArrayInputStream(t.getData().toByteArray()));
      assertThat(img.getWidth()).isEqualTo(t.getWidth());
      // Each tile is kept on its own, so a gateway can send it again from the store.
      assertThat(Files.readAllBytes(Path.of(java.net.URI.create(t.getUri()))))
          .isEqualTo(t.getData().toByteArray());
    }
    // The artifact is the whole picture.
    BufferedImage whole =
        ImageIO.read(Path.of(java.net.URI.create(r.artifacts().get(0).getUri())).toFile());
    assertThat(whole.getWidth()).isEqualTo(96);
  }

  @Test
  void sizeNotAMultipleOfThePixelUnitFailsAsAPoisonInvalidArgument() {
    assertThatThrownBy(
            () -> executor.run(job("bad-1", 33, 32, 2, 0, 0), new Recorder(), new CancelToken()))
        .isInstanceOf(JobFailedException.class)
        .satisfies(
            e ->
                assertThat(((JobFailedException) e).code()).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .satisfies(e -> assertThat(((JobFailedException) e).poison()).isTrue());
  }

  @Test
  void batchedJobsGetTheSamePixelsAsAloneAndEachItsOwnProgress() throws Exception {
    JobEnvelope a = job("alone-a", 32, 32, 3, 0, 0);
    JobEnvelope b =
        job("alone-b", 32, 32, 3, 0, 0).toBuilder()
            .setSeed(99)
            .setRequest(
                job("x", 32, 32, 3, 0, 0).getRequest().toBuilder().setPrompt("a green circle"))
            .build();
    assertThat(executor.batchKey(a)).isPresent().isEqualTo(executor.batchKey(b));
    assertThat(executor.batchKey(job("other", 64, 32, 3, 0, 0))).isNotEqualTo(executor.batchKey(a));
    Recorder ra = new Recorder();
    Recorder rb = new Recorder();
    JobResult aloneA = executor.run(a, new Recorder(), new CancelToken());
    JobResult aloneB = executor.run(b, new Recorder(), new CancelToken());

    List<JobOutcome> batch =
        executor.runBatch(
            List.of(
                new BatchJob(a.toBuilder().setJobId("batch-a").build(), ra, new CancelToken()),
                new BatchJob(b.toBuilder().setJobId("batch-b").build(), rb, new CancelToken())));

    assertThat(ra.progress).extracting(Progress::getStep).containsExactly(1, 2);
    assertThat(rb.progress).extracting(Progress::getStep).containsExactly(1, 2);
    assertThat(maxPixelDifference(aloneA, batch.get(0).result())).isLessThanOrEqualTo(1);
    assertThat(maxPixelDifference(aloneB, batch.get(1).result())).isLessThanOrEqualTo(1);
    assertThat(maxPixelDifference(aloneA, aloneB)).isGreaterThan(1);
  }

  private static int maxPixelDifference(JobResult x, JobResult y) throws IOException {
    BufferedImage p =
        ImageIO.read(Path.of(java.net.URI.create(x.artifacts().get(0).getUri())).toFile());
    BufferedImage q =
        ImageIO.read(Path.of(java.net.URI.create(y.artifacts().get(0).getUri())).toFile());
    int max = 0;
    for (int yy = 0; yy < p.getHeight(); yy++) {
      for (int xx = 0; xx < p.getWidth(); xx++) {
        int u = p.getRGB(xx, yy);
        int v = q.getRGB(xx, yy);
        for (int shift = 0; shift <= 16; shift += 8) {
          max = Math.max(max, Math.abs(((u >> shift) & 0xff) - ((v >> shift) & 0xff)));
        }
      }
    }
    return max;
  }

  @Test
  void modelCardDescribesThePixelSpaceModel() {
    var info = executor.modelCard().orElseThrow().getInfo();
    assertThat(info.getName()).isEqualTo("tiny");
    assertThat(info.getDownsample()).isEqualTo(1);
    assertThat(info.getPixelUnit()).isEqualTo(2);
    assertThat(info.getLatentChannels()).isEqualTo(3);
    assertThat(info.getModalitiesList()).containsExactly(Modality.IMAGE);
    // The process default: the compiled engine in fp32.
    assertThat(info.getEngine()).isEqualTo("compiled");
    assertThat(info.getDtype()).isEqualTo("fp32");
    assertThat(info.getWeightBytes()).isPositive();
  }

  private static JobEnvelope job(
      String id, int w, int h, int steps, int previewEvery, int tileSize) {
    return JobEnvelope.newBuilder()
        .setJobId(id)
        .setSeed(1234)
        .setRequest(
            GenerateRequest.newBuilder()
                .setPrompt("a red square")
                .setModality(Modality.IMAGE)
                .setGeometry(Geometry.newBuilder().setWidth(w).setHeight(h))
                .setSampling(Sampling.newBuilder().setSteps(steps))
                .setOutput(Output.newBuilder().setPreviewEvery(previewEvery).setTileSize(tileSize)))
        .build();
  }

  static class Recorder implements ChunkEmitter {
    final List<Progress> progress = new ArrayList<>();
    final List<Preview> previews = new ArrayList<>();
    final List<Frame> frames = new ArrayList<>();
    final List<Tile> tiles = new ArrayList<>();
    final List<AudioSegment> audio = new ArrayList<>();

    @Override
    public void progress(Progress p) {
      progress.add(p);
    }

    @Override
    public void preview(Preview p) {
      previews.add(p);
    }

    @Override
    public void frame(Frame f) {
      frames.add(f);
    }

    @Override
    public void tile(Tile t) {
      tiles.add(t);
    }

    @Override
    public void audio(AudioSegment a) {
      audio.add(a);
    }
  }
}

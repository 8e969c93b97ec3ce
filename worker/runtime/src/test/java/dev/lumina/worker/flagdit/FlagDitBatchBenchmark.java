package dev.lumina.worker.flagdit;

import dev.lumina.artifacts.FileSystemArtifactStore;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.v1.AudioSegment;
import dev.lumina.proto.v1.Frame;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.Preview;
import dev.lumina.proto.v1.Progress;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.proto.v1.Tile;
import dev.lumina.worker.BatchJob;
import dev.lumina.worker.CancelToken;
import dev.lumina.worker.ChunkEmitter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Prints how long N same-shape jobs take on the small random-weight model run one after another
 * versus as one batch. Not a test: run it by hand, e.g. {@code java -cp <worker test classpath>
 * dev.lumina.worker.flagdit.FlagDitBatchBenchmark 64 4 11} (side in pixels, jobs, grid points).
 */
public final class FlagDitBatchBenchmark {
  private FlagDitBatchBenchmark() {}

  public static void main(String[] args) throws Exception {
    int side = args.length > 0 ? Integer.parseInt(args[0]) : 64;
    int jobs = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    int steps = args.length > 2 ? Integer.parseInt(args[2]) : 11;
    Path tmp = Files.createTempDirectory("lumina-batch-bench");
    try (FlagDitJobExecutor ex =
        FlagDitJobExecutor.load(
            TinyModelDir.write(tmp.resolve("model"), false),
            new FileSystemArtifactStore(tmp.resolve("artifacts")),
            "bench")) {
      ex.run(job("warm", side, steps, 0), new Discard(), new CancelToken());
      for (int round = 0; round < 2; round++) {
        long t0 = System.nanoTime();
        for (int i = 0; i < jobs; i++) {
          ex.run(job("seq-" + round + "-" + i, side, steps, i), new Discard(), new CancelToken());
        }
        long t1 = System.nanoTime();
        List<BatchJob> batch = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
          batch.add(
              new BatchJob(
                  job("bat-" + round + "-" + i, side, steps, i), new Discard(), new CancelToken()));
        }
        ex.runBatch(batch);
        long t2 = System.nanoTime();
        System.out.printf(
            Locale.ROOT,
            "side=%d jobs=%d steps=%d cfg=2: one after another %.0f ms (%.0f ms/job), one batch"
                + " %.0f ms (%.0f ms/job), speed-up %.2fx%n",
            side,
            jobs,
            steps - 1,
            (t1 - t0) / 1e6,
            (t1 - t0) / 1e6 / jobs,
            (t2 - t1) / 1e6,
            (t2 - t1) / 1e6 / jobs,
            (double) (t1 - t0) / (t2 - t1));
      }
    }
  }

  private static JobEnvelope job(String id, int side, int steps, long seed) {
    return JobEnvelope.newBuilder()
        .setJobId(id)
        .setSeed(seed)
        .setRequest(
            GenerateRequest.newBuilder()
                .setPrompt("a red square")
                .setModality(Modality.IMAGE)
                .setGeometry(Geometry.newBuilder().setWidth(side).setHeight(side))
                .setSampling(Sampling.newBuilder().setSteps(steps)))
        .build();
  }

  private static final class Discard implements ChunkEmitter {
    @Override
    public void progress(Progress p) {}

    @Override
    public void preview(Preview p) {}

    @Override
    public void frame(Frame f) {}

    @Override
    public void tile(Tile t) {}

    @Override
    public void audio(AudioSegment a) {}
  }
}

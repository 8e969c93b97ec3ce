package dev.lumina.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.checkpoint.SafetensorsFile;
import dev.lumina.engine.model.FlagDit;
import dev.lumina.engine.text.EncodedText;
import dev.lumina.engine.text.TextEncoder;
import dev.lumina.engine.text.TextEncoders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {

  @Test
  void lossFallsWithinAFewDozenStepsAndTheExportLoads(@TempDir Path dir) throws Exception {
    TrainConfig config = TrainConfig.tiny(60).withModalities(0.2, 0.1);
    List<Trainer.Progress> reports = new ArrayList<>();
    Trainer.Result result =
        new Trainer(config.withIntervals(30, 10), dir.resolve("work"), dir.resolve("model"))
            .run(false, reports::add);

    assertThat(result.completedSteps()).isEqualTo(60);
    assertThat(reports).hasSize(6);
    assertThat(reports.get(reports.size() - 1).skippedSteps()).isZero();
    List<String> lines = Files.readAllLines(dir.resolve("work/loss.csv"));
    assertThat(lines).hasSize(60);
    assertThat(lines).anyMatch(l -> l.contains("VIDEO")).anyMatch(l -> l.contains("MULTI_VIEW"));
    double first = meanLoss(lines.subList(0, 10));
    double last = meanLoss(lines.subList(50, 60));
    assertThat(last).isLessThan(first * 0.8);

    try (FlagDit model = FlagDit.load(dir.resolve("model"));
        NDManager m = NDManager.newBaseManager();
        TextEncoder encoder = TextEncoders.load(dir.resolve("model"), m);
        EncodedText enc = encoder.encode(List.of("a small red circle in the top left corner"), m)) {
      assertThat(model.config()).isEqualTo(config.modelConfig());
      assertThat(enc.features().getShape().get(2)).isEqualTo(model.config().capFeatDim());
    }
  }

  @Test
  void resumedRunEndsWhereAnUninterruptedRunEnds(@TempDir Path dir) throws Exception {
    TrainConfig config = TrainConfig.tiny(12).withIntervals(6, 6);
    new Trainer(config, dir.resolve("a"), dir.resolve("a-model")).run(false, p -> {});
    new Trainer(config.withSteps(6), dir.resolve("b"), dir.resolve("b-model")).run(false, p -> {});
    Trainer.Result resumed =
        new Trainer(config, dir.resolve("b"), dir.resolve("b-model")).run(true, p -> {});

    assertThat(resumed.completedSteps()).isEqualTo(12);
    assertThat(Files.readAllLines(dir.resolve("b/loss.csv"))).hasSize(12);
    Map<String, HostTensor> a = read(dir.resolve("a-model/model.safetensors"));
    Map<String, HostTensor> b = read(dir.resolve("b-model/model.safetensors"));
    assertThat(b.keySet()).isEqualTo(a.keySet());
    for (String k : a.keySet()) {
      float[] x = a.get(k).data();
      float[] y = b.get(k).data();
      for (int i = 0; i < x.length; i++) {
        assertThat(y[i]).as(k).isCloseTo(x[i], org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
  }

  @Test
  void secondStageFromAnExportEndsWhereARunFromScratchEnds(@TempDir Path dir) throws Exception {
    TrainConfig config =
        TrainConfig.tiny(10)
            .withModalities(0.0, 0.0)
            .withIntervals(5, 5)
            .withRefine(new RefineStage(5, 0.5, 0.0, 1e-3, 2));
    new Trainer(config, dir.resolve("a"), dir.resolve("a-model")).run(false, p -> {});
    // The first stage alone, then the second stage from its export (nothing else carried over).
    new Trainer(config.withSteps(5), dir.resolve("b"), dir.resolve("b-model")).run(false, p -> {});
    Trainer.Result continued =
        new Trainer(config, dir.resolve("c"), dir.resolve("c-model"))
            .run(false, dir.resolve("b-model"), p -> {});

    assertThat(continued.completedSteps()).isEqualTo(10);
    List<String> lines = Files.readAllLines(dir.resolve("c/loss.csv"));
    assertThat(lines).hasSize(5);
    assertThat(lines.get(0)).startsWith("6,");
    assertThat(Files.readAllLines(dir.resolve("a/loss.csv")).subList(5, 10))
        .anyMatch(l -> l.contains("VIDEO"));
    Map<String, HostTensor> a = read(dir.resolve("a-model/model.safetensors"));
    Map<String, HostTensor> b = read(dir.resolve("b-model/model.safetensors"));
    Map<String, HostTensor> c = read(dir.resolve("c-model/model.safetensors"));
    assertThat(c.keySet()).isEqualTo(a.keySet());
    double moved = 0;
    for (String k : a.keySet()) {
      float[] x = a.get(k).data();
      float[] y = c.get(k).data();
      for (int i = 0; i < x.length; i++) {
        assertThat(y[i]).as(k).isCloseTo(x[i], org.assertj.core.data.Offset.offset(1e-5f));
        moved += Math.abs(y[i] - b.get(k).data()[i]);
      }
    }
    assertThat(moved).as("the second stage changed the weights").isPositive();
    Map<String, HostTensor> ta = read(dir.resolve("a-model/text_encoder.safetensors"));
    Map<String, HostTensor> tc = read(dir.resolve("c-model/text_encoder.safetensors"));
    for (String k : ta.keySet()) {
      assertThat(tc.get(k).data())
          .as(k)
          .containsExactly(ta.get(k).data(), org.assertj.core.data.Offset.offset(1e-5f));
    }
  }

  @Test
  void secondStageRefusesAnExportOfAnotherStep(@TempDir Path dir) throws Exception {
    TrainConfig config =
        TrainConfig.tiny(6).withIntervals(3, 3).withRefine(new RefineStage(4, 0.0, 0.0, 1e-3, 0));
    new Trainer(config.withSteps(3), dir.resolve("w"), dir.resolve("m")).run(false, p -> {});
    assertThatThrownBy(
            () ->
                new Trainer(config, dir.resolve("w2"), dir.resolve("m2"))
                    .run(false, dir.resolve("m"), p -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("exported at step 3")
        .hasMessageContaining("step 4");
    assertThatThrownBy(
            () ->
                new Trainer(TrainConfig.tiny(6), dir.resolve("w3"), dir.resolve("m3"))
                    .run(false, dir.resolve("m"), p -> {}))
        .hasMessageContaining("no second stage");
    assertThatThrownBy(() -> new RefineStage(0, 0, 0, 1e-3, 0))
        .hasMessageContaining("refine.fromStep");
    assertThatThrownBy(() -> new RefineStage(5, 0.7, 0.5, 1e-3, 0))
        .hasMessageContaining("refine.multiViewFraction");
  }

  @Test
  void learningRateWarmsUpAgainAndFallsToZeroInTheSecondStage() {
    TrainConfig config = TrainConfig.tiny(20).withRefine(new RefineStage(10, 0.0, 0.0, 1e-3, 2));
    assertThat(config.learningRateAt(9)).isEqualTo(config.learningRate());
    assertThat(config.learningRateAt(10))
        .isCloseTo(1e-3 * 0.5, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(config.learningRateAt(11))
        .isCloseTo(1e-3 * 0.9, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(config.learningRateAt(19))
        .isCloseTo(1e-4, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(config.optimizerStep(9)).isEqualTo(10);
    assertThat(config.optimizerStep(10)).isEqualTo(1);
  }

  @Test
  void resumeRefusesStateOfAnotherRun(@TempDir Path dir) throws Exception {
    TrainConfig config = TrainConfig.tiny(2).withIntervals(2, 2);
    new Trainer(config, dir.resolve("w"), dir.resolve("m")).run(false, p -> {});
    TrainConfig other =
        new TrainConfig(
            config.modelName(),
            config.dim(),
            config.layers(),
            config.heads(),
            config.patchSize(),
            config.textDim(),
            config.textLayers(),
            config.textHeads(),
            config.maxTokens(),
            config.width(),
            config.height(),
            config.videoFrames(),
            config.views(),
            config.batchSize(),
            config.videoBatchSize(),
            config.multiViewBatchSize(),
            0,
            0,
            4,
            config.learningRate(),
            0,
            0,
            0.9,
            2,
            0.1,
            1,
            0,
            99L,
            2,
            2,
            null);
    assertThatThrownBy(
            () -> new Trainer(other, dir.resolve("w"), dir.resolve("m")).run(true, p -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("seed 7");
  }

  @Test
  void batchesWeightTheObjectAndShiftTimesTowardsNoise() {
    TrainConfig config = TrainConfig.tiny(1).withLossShaping(4.0, 9.0);
    dev.lumina.training.data.SyntheticDataset data =
        new dev.lumina.training.data.SyntheticDataset(
            config.seed(), config.width(), config.height(), config.videoFrames(), config.views());
    int object = 0;
    int background = 0;
    int early = 0;
    int total = 0;
    for (long step = 0; step < 40; step++) {
      Batch b = Batch.forStep(config, data, step);
      assertThat(b.pixelWeights())
          .hasSize(b.size() * b.frames() * config.width() * config.height());
      for (float w : b.pixelWeights()) {
        assertThat(w).isIn(1f, 10f);
        if (w == 10f) {
          object++;
        } else {
          background++;
        }
      }
      for (float t : b.times()) {
        assertThat(t).isBetween(0f, 1f);
        early += t < 0.2f ? 1 : 0;
        total++;
      }
    }
    // Objects cover a few percent of each picture; with shift 4 about half the times fall below 0.2
    // (u / (u + 4(1 − u)) < 0.2 for u < 0.5), against a fifth for uniform times.
    assertThat(object).isPositive();
    assertThat((double) object / (object + background)).isBetween(0.01, 0.25);
    assertThat((double) early / total).isBetween(0.4, 0.6);
    TrainConfig plain = TrainConfig.tiny(1);
    for (float w : Batch.forStep(plain, data, 0).pixelWeights()) {
      assertThat(w).isEqualTo(1f);
    }
    assertThatThrownBy(() -> config.withLossShaping(0, 1))
        .hasMessageContaining("timeShift must be in (0, 100]");
    assertThatThrownBy(() -> config.withLossShaping(1, -1))
        .hasMessageContaining("foregroundWeight");
  }

  @Test
  void badConfigNamesTheField() {
    TrainConfig t = TrainConfig.tiny(1);
    assertThatThrownBy(() -> t.withSteps(0)).hasMessageContaining("steps must be >= 1");
    assertThatThrownBy(() -> t.withModalities(0.8, 0.5)).hasMessageContaining("multiViewFraction");
    assertThatThrownBy(
            () ->
                new TrainConfig(
                    "Bad Name",
                    32,
                    2,
                    2,
                    4,
                    32,
                    1,
                    2,
                    24,
                    16,
                    16,
                    2,
                    2,
                    8,
                    2,
                    2,
                    0,
                    0,
                    1,
                    1e-3,
                    0,
                    0,
                    0.9,
                    2,
                    0.1,
                    1,
                    0,
                    1,
                    1,
                    1,
                    null))
        .hasMessageContaining("modelName");
    assertThatThrownBy(
            () ->
                new TrainConfig(
                    "x", 32, 2, 2, 5, 32, 1, 2, 24, 16, 16, 2, 2, 8, 2, 2, 0, 0, 1, 1e-3, 0, 0, 0.9,
                    2, 0.1, 1, 0, 1, 1, 1, null))
        .hasMessageContaining("patchSize (5) must divide");
  }

  private static double meanLoss(List<String> lines) {
    return lines.stream()
        .mapToDouble(l -> Double.parseDouble(l.split(",")[2]))
        .average()
        .orElseThrow();
  }

  private static Map<String, HostTensor> read(Path file) {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      return f.readAll();
    }
  }
}

package dev.lumina.training.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.training.TrainConfig;
import dev.lumina.training.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluatorTest {

  @Test
  void scoresEverySetOfAFreshlyTrainedModelAndWritesGrids(@TempDir Path dir) throws Exception {
    new Trainer(TrainConfig.tiny(2).withIntervals(2, 2), dir.resolve("work"), dir.resolve("model"))
        .run(false, p -> {});
    List<SetScore> heard = new ArrayList<>();
    List<SetScore> scores;
    try (Evaluator evaluator = Evaluator.load(dir.resolve("model"))) {
      scores =
          evaluator.evaluate(
              new EvalSettings(2, 3, 2f, 1f, 5, true, true), dir.resolve("samples"), heard::add);
    }
    assertThat(heard).isEqualTo(scores);
    assertThat(scores)
        .extracting(SetScore::name)
        .containsExactly(
            "image 16x16 held-in",
            "image 16x16 held-out",
            "image 32x32 held-in",
            "image 16x32 (1:2) held-in",
            "image 32x16 (2:1) held-in",
            "video 16x16x2 held-in",
            "video 16x16x2 held-out");
    for (SetScore s : scores) {
      assertThat(s.samples()).isEqualTo(2);
      assertThat(s.color()).isBetween(0.0, 1.0);
      assertThat(s.shape()).isBetween(0.0, 1.0);
      assertThat(s.name().startsWith("video") ? s.motion() : s.position()).isBetween(0.0, 1.0);
      assertThat(s.name().startsWith("video") ? s.position() : s.motion()).isNaN();
      assertThat(s.row()).startsWith(s.name());
    }
    assertThat(
            Files.list(dir.resolve("samples")).filter(p -> p.toString().endsWith(".png")).count())
        .isEqualTo(7);
  }

  @Test
  void captionProbeAndCardTimeShiftReadAFreshlyTrainedModel(@TempDir Path dir) throws Exception {
    new Trainer(
            TrainConfig.tiny(2).withIntervals(2, 2).withLossShaping(3.0, 2.0),
            dir.resolve("work"),
            dir.resolve("model"))
        .run(false, p -> {});
    assertThat(Evaluator.cardTimeShift(dir.resolve("model"))).isEqualTo(3f);
    assertThat(Evaluator.cardTimeShift(dir)).isEqualTo(1f);
    String table;
    try (Evaluator evaluator = Evaluator.load(dir.resolve("model"))) {
      table = evaluator.captionProbe(7, 8, 3);
      assertThatThrownBy(() -> evaluator.captionProbe(7, 1, 3))
          .hasMessageContaining("at least 2 pictures");
    }
    List<String> lines = table.lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).contains("8 training pictures");
    for (String line : lines.subList(1, 3)) {
      String[] cells = line.trim().split("\\s+");
      for (int k = cells.length - 3; k < cells.length; k++) {
        // An untrained model's estimate at pure noise is far from the picture: errors are positive
        // and finite.
        assertThat(Double.parseDouble(cells[k])).as(line).isStrictlyBetween(0.0, 100.0);
      }
    }
    Files.writeString(dir.resolve("model/model.json"), "{\"default_time_shift\": \"x\"}");
    assertThatThrownBy(() -> Evaluator.cardTimeShift(dir.resolve("model")))
        .hasMessageContaining("default_time_shift");
  }

  @Test
  void refusesADirectoryWithoutAModel(@TempDir Path dir) {
    assertThatThrownBy(() -> Evaluator.load(dir)).isInstanceOf(RuntimeException.class);
  }

  @Test
  void badSettingsNameTheField() {
    assertThatThrownBy(() -> new EvalSettings(0, 10, 4f, 1f, 1, false, false))
        .hasMessageContaining("samplesPerSet");
    assertThatThrownBy(() -> new EvalSettings(4, 1, 4f, 1f, 1, false, false))
        .hasMessageContaining("steps");
    assertThatThrownBy(() -> new EvalSettings(4, 10, 0.5f, 1f, 1, false, false))
        .hasMessageContaining("cfgScale");
  }
}

package dev.lumina.training.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.training.data.Direction;
import dev.lumina.training.data.GridCell;
import dev.lumina.training.data.NamedColor;
import dev.lumina.training.data.Sample;
import dev.lumina.training.data.Scene;
import dev.lumina.training.data.SceneRenderer;
import dev.lumina.training.data.ShapeKind;
import dev.lumina.training.data.SizeClass;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SceneAnalyzerTest {

  private final SceneRenderer renderer = new SceneRenderer();
  private final SceneAnalyzer analyzer = new SceneAnalyzer();

  @ParameterizedTest(name = "{0}x{1}, noise {2}")
  @CsvSource({"32, 32, 0", "64, 64, 0", "32, 64, 0", "64, 32, 0", "32, 32, 0.08"})
  void readsEveryGroundTruthImage(int width, int height, double noise) {
    int total = 0;
    int color = 0;
    int shape = 0;
    int cell = 0;
    Random random = new Random(1);
    for (NamedColor bg : NamedColor.BACKGROUNDS) {
      for (NamedColor c : NamedColor.SHAPE_COLORS) {
        if (c == bg) {
          continue;
        }
        for (ShapeKind s : ShapeKind.values()) {
          for (SizeClass size : SizeClass.values()) {
            for (GridCell g : GridCell.values()) {
              Scene.Image scene = new Scene.Image(s, c, size, g, bg);
              BufferedImage img =
                  noisy(renderer.render(scene, width, height).get(0), noise, random);
              Optional<Reading> r = analyzer.analyze(img);
              total++;
              if (r.isPresent()) {
                color += r.get().color() == c ? 1 : 0;
                shape += r.get().shape() == s ? 1 : 0;
                cell += r.get().cell() == g ? 1 : 0;
              }
            }
          }
        }
      }
    }
    System.out.printf(
        "analyzer %dx%d noise %.2f over %d renders: color %.4f shape %.4f cell %.4f%n",
        width,
        height,
        noise,
        total,
        color / (double) total,
        shape / (double) total,
        cell / (double) total);
    double floor = noise == 0 ? 0.99 : 0.95;
    assertThat(color / (double) total).isGreaterThanOrEqualTo(floor);
    assertThat(shape / (double) total).isGreaterThanOrEqualTo(noise == 0 ? 0.98 : 0.9);
    assertThat(cell / (double) total).isGreaterThanOrEqualTo(floor);
  }

  @Test
  void readsMotionOfEveryGroundTruthClip() {
    int total = 0;
    int right = 0;
    for (Direction d : Direction.values()) {
      for (ShapeKind s : ShapeKind.values()) {
        for (int lane = 0; lane < 3; lane++) {
          for (SizeClass size : SizeClass.values()) {
            Scene.Video scene =
                new Scene.Video(s, NamedColor.YELLOW, size, d, lane, 8, NamedColor.GRAY);
            total++;
            right += analyzer.motion(renderer.render(scene, 32, 32)).orElse(null) == d ? 1 : 0;
          }
        }
      }
    }
    assertThat(right).isEqualTo(total);
  }

  @Test
  void blankPictureHasNoObjectAndNoMotion() {
    float[] flat = new float[3 * 32 * 32];
    BufferedImage blank = Sample.toImage(flat, 0, 32, 32);
    assertThat(analyzer.analyze(blank)).isEmpty();
    assertThat(analyzer.motion(List.of(blank, blank))).isEmpty();
  }

  @Test
  void wrongAttributesAreReadAsWrong() {
    Scene.Image scene =
        new Scene.Image(
            ShapeKind.TRIANGLE,
            NamedColor.PURPLE,
            SizeClass.LARGE,
            GridCell.BOTTOM_RIGHT,
            NamedColor.BLACK);
    Reading r = analyzer.analyze(renderer.render(scene, 32, 32).get(0)).orElseThrow();
    assertThat(r.color()).isNotEqualTo(NamedColor.RED);
    assertThat(r.shape()).isNotEqualTo(ShapeKind.CIRCLE);
    assertThat(r.cell()).isNotEqualTo(GridCell.TOP_LEFT);
  }

  private static BufferedImage noisy(BufferedImage img, double sigma, Random random) {
    if (sigma == 0) {
      return img;
    }
    int w = img.getWidth();
    int h = img.getHeight();
    float[] px = new float[3 * w * h];
    Sample.writePixels(img, px, 0);
    for (int i = 0; i < px.length; i++) {
      px[i] += (float) (random.nextGaussian() * sigma * 2);
    }
    return Sample.toImage(px, 0, w, h);
  }
}

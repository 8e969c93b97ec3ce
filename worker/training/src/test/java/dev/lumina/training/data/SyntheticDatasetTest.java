package dev.lumina.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyntheticDatasetTest {

  private final SyntheticDataset data = new SyntheticDataset(42, 32, 32, 8, 4);

  @Test
  void sameIndexGivesSameSample() {
    Sample a = data.sample(Modality.IMAGE, Split.TRAIN, 17);
    Sample b = new SyntheticDataset(42, 32, 32, 8, 4).sample(Modality.IMAGE, Split.TRAIN, 17);
    assertThat(b.caption()).isEqualTo(a.caption());
    assertThat(b.scene()).isEqualTo(a.scene());
    assertThat(b.pixels()).containsExactly(a.pixels());
    assertThat(data.sample(Modality.IMAGE, Split.TRAIN, 18).caption()).isNotNull();
  }

  @Test
  void trainSplitNeverHoldsHeldOutCombinationsAndHeldOutOnlyThose() {
    for (Modality m : Modality.values()) {
      for (long i = 0; i < 300; i++) {
        assertThat(HeldOut.contains(data.sample(m, Split.TRAIN, i).scene())).isFalse();
      }
      for (long i = 0; i < 20; i++) {
        assertThat(HeldOut.contains(data.sample(m, Split.HELD_OUT, i).scene())).isTrue();
      }
    }
  }

  @Test
  void captionsNameTheAttributesAndVary() {
    Set<String> captions = new HashSet<>();
    for (long i = 0; i < 200; i++) {
      Sample s = data.sample(Modality.IMAGE, Split.TRAIN, i);
      Scene.Image scene = (Scene.Image) s.scene();
      assertThat(s.caption()).contains(scene.color().word());
      assertThat(scene.shape().words()).anyMatch(s.caption()::contains);
      captions.add(s.caption());
    }
    assertThat(captions.size()).isGreaterThan(150);
  }

  @Test
  void canonicalCaptionMatchesTheDemoPrompt() {
    Scene.Image scene =
        new Scene.Image(
            ShapeKind.CIRCLE, NamedColor.RED, SizeClass.SMALL, GridCell.TOP_LEFT, NamedColor.BLUE);
    assertThat(new CaptionGrammar().canonical(scene))
        .isEqualTo("a small red circle in the top left corner on a blue background");
  }

  @Test
  void videoAndMultiViewHaveTheirFrameCounts() {
    Sample video = data.sample(Modality.VIDEO, Split.TRAIN, 3);
    Sample views = data.sample(Modality.MULTI_VIEW, Split.TRAIN, 3);
    assertThat(video.frames()).hasSize(8);
    assertThat(views.frames()).hasSize(4);
    assertThat(video.pixels()).hasSize(8 * 3 * 32 * 32);
    assertThat(video.caption()).matches(".*(mov|slide|going).*");
  }

  @Test
  void foregroundMaskCoversTheObjectInItsCellAndNothingElse() {
    for (int i = 0; i < 20; i++) {
      Sample s = data.sample(Modality.IMAGE, Split.TRAIN, i);
      Scene.Image scene = (Scene.Image) s.scene();
      float[] mask = s.foregroundMask();
      assertThat(mask).hasSize(32 * 32);
      int on = 0;
      double cx = 0;
      double cy = 0;
      for (int p = 0; p < mask.length; p++) {
        assertThat(mask[p]).isIn(0f, 1f);
        if (mask[p] == 1f) {
          on++;
          cx += p % 32;
          cy += p / 32;
        }
      }
      // A shape of 20–31 % of the side covers roughly 2–10 % of the picture.
      assertThat(on).as("object pixels of sample %d", i).isBetween(15, 130);
      assertThat((int) (cx / on / (32 / 3.0)))
          .as("column of sample %d", i)
          .isEqualTo(scene.cell().col());
      assertThat((int) (cy / on / (32 / 3.0)))
          .as("row of sample %d", i)
          .isEqualTo(scene.cell().row());
    }
    Sample video = data.sample(Modality.VIDEO, Split.TRAIN, 1);
    assertThat(video.foregroundMask()).hasSize(8 * 32 * 32);
  }

  @Test
  void pixelsAreInMinusOneToOne() {
    float[] px = data.sample(Modality.MULTI_VIEW, Split.TRAIN, 5).pixels();
    for (float v : px) {
      assertThat(v).isBetween(-1f, 1f);
    }
  }

  @Test
  void rejectsBadGeometryNamingTheField() {
    assertThatThrownBy(() -> new SyntheticDataset(1, 4, 32, 8, 4))
        .hasMessageContaining("width and height");
    assertThatThrownBy(() -> new SyntheticDataset(1, 32, 32, 1, 4))
        .hasMessageContaining("videoFrames");
    assertThatThrownBy(
            () ->
                new Scene.Image(
                    ShapeKind.CIRCLE,
                    NamedColor.BLUE,
                    SizeClass.SMALL,
                    GridCell.TOP,
                    NamedColor.BLUE))
        .hasMessageContaining("color and background must differ");
  }
}

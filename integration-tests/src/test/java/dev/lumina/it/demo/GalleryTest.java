package dev.lumina.it.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.deploy.demo.GalleryPage;
import dev.lumina.deploy.demo.GalleryRow;
import dev.lumina.deploy.demo.GalleryStrip;
import dev.lumina.proto.v1.Modality;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The gallery's strips (enlarged, side by side) and its page (one row per modality, with the
 * command).
 */
class GalleryTest {

  @Test
  void aStripEnlargesEachPictureWithNearestNeighbourAndSeparatesThemByTheGap() {
    BufferedImage a = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
    a.setRGB(0, 0, 0xff0000);
    a.setRGB(1, 0, 0x00ff00);
    BufferedImage b = new BufferedImage(1, 2, BufferedImage.TYPE_INT_RGB);
    b.setRGB(0, 0, 0x0000ff);
    b.setRGB(0, 1, 0x123456);

    BufferedImage s = GalleryStrip.of(List.of(a, b), 3, 2);

    assertThat(s.getWidth()).isEqualTo(2 * 3 + 2 + 3);
    assertThat(s.getHeight()).isEqualTo(2 * 3);
    assertThat(s.getRGB(2, 2) & 0xffffff).isEqualTo(0xff0000);
    assertThat(s.getRGB(3, 0) & 0xffffff).isEqualTo(0x00ff00);
    assertThat(s.getRGB(6, 0) & 0xffffff).as("gap").isEqualTo(0xffffff);
    assertThat(s.getRGB(0, 4) & 0xffffff).as("below the shorter picture").isEqualTo(0xffffff);
    assertThat(s.getRGB(8, 2) & 0xffffff).isEqualTo(0x0000ff);
    assertThat(s.getRGB(10, 5) & 0xffffff).isEqualTo(0x123456);
  }

  @Test
  void aBadScaleIsRefusedNamingTheLimit() {
    BufferedImage a = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    assertThatThrownBy(() -> GalleryStrip.of(List.of(a), 0, 0))
        .hasMessage("scale must be in 1..16, got 0");
    assertThatThrownBy(() -> GalleryStrip.of(List.of(), 2, 0)).hasMessageContaining("parts");
  }

  @Test
  void thePageHasTheCommandAndOneRowPerModalityLinkingItsStrip() {
    List<GalleryPage.MadeRow> rows =
        GalleryRow.shapes().stream().map(r -> new GalleryPage.MadeRow(r, 1500)).toList();

    String md = GalleryPage.markdown("lumina-shapes-32", 4000, 4, "gallery", rows);

    assertThat(md)
        .contains("```bash\n" + GalleryPage.COMMAND + "\n```")
        .contains("training step 4000")
        .contains("×4");
    assertThat(md)
        .contains("| image | 1. \"a small red circle at the top left on a blue background\"")
        .contains("![image](gallery/image.png)")
        .contains("![video](gallery/video.png)")
        .contains("![multiview](gallery/multiview.png)")
        .contains("| audio |");
    assertThat(GalleryRow.shapes())
        .extracting(GalleryRow::modality)
        .containsExactly(Modality.IMAGE, Modality.VIDEO, Modality.MULTIVIEW);
  }
}

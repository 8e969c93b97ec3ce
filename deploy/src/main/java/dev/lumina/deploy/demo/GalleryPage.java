package dev.lumina.deploy.demo;

import dev.lumina.proto.v1.Modality;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The gallery's markdown page: how it was made (model, checkpoint, command), then a table with one
 * row per modality — the prompts, the seed and the row's strip. Stateless.
 */
public final class GalleryPage {
  /** The command that makes the gallery, as written on the page. */
  public static final String COMMAND = "./lumina gallery";

  private GalleryPage() {}

  /** A made row: what was asked and how long its jobs took in total. */
  public record MadeRow(GalleryRow row, long totalMs) {
    public MadeRow {
      Objects.requireNonNull(row, "row");
      if (totalMs < 0) {
        throw new IllegalArgumentException("totalMs must be >= 0, got " + totalMs);
      }
    }
  }

  /**
   * The page for {@code rows}, whose strips lie in {@code imageDir} (a path relative to the page).
   *
   * @param model the served model's name
   * @param trainedSteps the checkpoint's training step, or -1 when unknown
   * @param scale the enlargement of the strips
   */
  public static String markdown(
      String model, long trainedSteps, int scale, String imageDir, List<MadeRow> rows) {
    StringBuilder md = new StringBuilder();
    md.append("# Gallery\n\n");
    md.append("What the model shipped in this repository, `").append(model).append("`");
    md.append(trainedSteps >= 0 ? " (checkpoint at training step " + trainedSteps + ")" : "");
    md.append(
        ", generates through the cluster: one row per modality, every job with a fixed seed. ");
    md.append("Each picture is 32×32 pixels, shown enlarged ×").append(scale);
    md.append(
        " with nearest-neighbour sampling; a video is shown as its frames left to right, a"
            + " multi-view set as its ");
    md.append("views left to right.\n\n");
    md.append("Made again, from the repository root, with\n\n```bash\n")
        .append(COMMAND)
        .append("\n```\n\n");
    md.append(
        "which starts the same embedded cluster as `lumina demo` (broker, scheduler, worker,"
            + " gateway on free ");
    md.append("ports), sends each prompt through the public API and writes this page and `");
    md.append(imageDir).append("/*.png`. Times are on a shared 2-core CPU.\n\n");
    md.append("| modality | prompts (seed) | output |\n|---|---|---|\n");
    for (MadeRow r : rows) {
      GalleryRow g = r.row();
      md.append("| ").append(g.modality().name().toLowerCase(Locale.ROOT)).append(" | ");
      for (int i = 0; i < g.prompts().size(); i++) {
        md.append(g.prompts().size() > 1 ? (i + 1) + ". " : "")
            .append("\"")
            .append(g.prompts().get(i))
            .append("\"<br>");
      }
      md.append("seed ")
          .append(g.seed())
          .append(String.format(Locale.ROOT, ", %.1f s", r.totalMs() / 1000.0));
      md.append(" | ![")
          .append(g.modality().name().toLowerCase(Locale.ROOT))
          .append("](")
          .append(imageDir)
          .append('/')
          .append(g.file())
          .append(") |\n");
    }
    md.append(
        "| audio | — | not made: the shipped model is a pixel-space image/video/multi-view"
            + " Flag-DiT. An audio ");
    md.append(
        "model (the `lumina_music` layout, `patch_size` 1) is served the same way and answers `");
    md.append(Modality.AUDIO.name()).append("` requests with WAV files. |\n");
    return md.toString();
  }
}

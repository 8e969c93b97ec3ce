package dev.lumina.deploy.demo;

import dev.lumina.proto.v1.Modality;
import java.util.List;
import java.util.Objects;

/**
 * One row of the gallery: a modality, the prompts generated for it (one job each, with a fixed
 * seed) and the file the row's strip is written to.
 *
 * @param modality what every job of the row generates
 * @param prompts one job per prompt, in strip order; at least one
 * @param seed the seed of every job of the row, so the row can be made again
 * @param file the strip's file name inside the gallery folder, e.g. {@code image.png}
 */
public record GalleryRow(Modality modality, List<String> prompts, long seed, String file) {
  public GalleryRow {
    Objects.requireNonNull(modality, "modality");
    prompts = List.copyOf(Objects.requireNonNull(prompts, "prompts"));
    Objects.requireNonNull(file, "file");
    if (prompts.isEmpty()) {
      throw new IllegalArgumentException("prompts must not be empty");
    }
    if (!file.matches("[a-z0-9-]+\\.png")) {
      throw new IllegalArgumentException("file must be a plain lower-case .png name, got " + file);
    }
  }

  /**
   * The rows of the project's gallery, for the shipped shapes model (vocabulary of its training
   * captions).
   */
  public static List<GalleryRow> shapes() {
    return List.of(
        new GalleryRow(
            Modality.IMAGE,
            List.of(
                "a small red circle at the top left on a blue background",
                "a large yellow triangle in the center on a black background",
                "a large white square at the bottom right on a gray background",
                "a large purple triangle in the bottom right corner on a gray background"),
            7,
            "image.png"),
        new GalleryRow(
            Modality.VIDEO,
            List.of("a small green square moving right on a black background"),
            7,
            "video.png"),
        new GalleryRow(
            Modality.MULTIVIEW, List.of("a red cube on a white background"), 7, "multiview.png"));
  }
}

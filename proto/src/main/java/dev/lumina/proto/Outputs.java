package dev.lumina.proto;

import dev.lumina.proto.v1.Modality;
import java.util.Locale;

/**
 * Names of a job's outputs: {@code KIND-NNN.EXT}, the kind named after the modality ({@code frame}
 * for VIDEO, {@code view} for MULTIVIEW, {@code audio} for AUDIO, {@code image} otherwise) and
 * {@code NNN} the frame, view or segment index, e.g. {@code frame-003.png}. Workers store artifacts
 * under these names; a client writing several jobs into one folder prefixes them with the job id.
 */
public final class Outputs {
  private Outputs() {}

  /** {@code frame}, {@code view}, {@code audio} or {@code image}. */
  public static String kind(Modality modality) {
    return switch (modality) {
      case VIDEO -> "frame";
      case MULTIVIEW -> "view";
      case AUDIO -> "audio";
      default -> "image";
    };
  }

  /** {@code KIND-NNN.EXT}, e.g. {@code view-001.png} for index 1 of a MULTIVIEW job. */
  public static String fileName(Modality modality, int index, String ext) {
    return String.format(Locale.ROOT, "%s-%03d.%s", kind(modality), index, ext);
  }
}

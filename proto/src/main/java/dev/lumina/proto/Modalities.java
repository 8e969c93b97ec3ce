package dev.lumina.proto;

import dev.lumina.proto.v1.Modality;
import java.util.List;

/** The job modalities of the public API, and what an unspecified one means. */
public final class Modalities {
  /** Every modality a job can have, in enum order. */
  public static final List<Modality> ALL =
      List.of(Modality.IMAGE, Modality.VIDEO, Modality.MULTIVIEW, Modality.AUDIO);

  private Modalities() {}

  /** {@code MODALITY_UNSPECIFIED} is treated as IMAGE; every other value is returned as it is. */
  public static Modality orDefault(Modality modality) {
    return modality == Modality.MODALITY_UNSPECIFIED ? Modality.IMAGE : modality;
  }
}

package dev.lumina.proto;

import dev.lumina.proto.v1.Modality;
import java.util.Locale;

/** Kafka topic names of the cluster (see docs/architecture.md, "Kafka topology"). */
public final class Topics {
  /** Accepted jobs, written by gateways (key = job id). */
  public static final String REQUESTS = "lumina.requests";
  /** Job state, compacted (key = job id). */
  public static final String EVENTS = "lumina.events";
  /** Cancels and other commands, broadcast (key = job id). */
  public static final String CONTROL = "lumina.control";
  /** Jobs that failed permanently, with their error. */
  public static final String DEAD_LETTER = "lumina.dead-letter";
  /**
   * Model catalog, compacted (key = model name, value = {@code lumina.cluster.v1.ModelCard}): written
   * by workers, read by gateways.
   */
  public static final String MODELS = "lumina.models";
  /** Queue depth per work topic, published by the scheduler. */
  public static final String QUEUE_DEPTH = "lumina.queue-depth";

  private static final String WORK_PREFIX = "lumina.work.";

  private Topics() {}

  /** {@code lumina.work.<modality>.<tier>}, e.g. {@code lumina.work.image.s}. */
  public static String work(Modality modality, String tier) {
    Modality m = modality == Modality.MODALITY_UNSPECIFIED ? Modality.IMAGE : modality;
    if (m == Modality.UNRECOGNIZED) {
      throw new IllegalArgumentException("unknown modality");
    }
    if (tier == null || !tier.matches("[a-z0-9]+")) {
      throw new IllegalArgumentException("tier must match [a-z0-9]+, got " + tier);
    }
    return WORK_PREFIX + m.name().toLowerCase(Locale.ROOT) + "." + tier;
  }
}

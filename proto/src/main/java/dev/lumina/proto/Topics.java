package dev.lumina.proto;

import dev.lumina.proto.v1.Modality;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
   * Model catalog, compacted (key = model name, value = {@code lumina.cluster.v1.ModelCard}):
   * written by workers, read by gateways.
   */
  public static final String MODELS = "lumina.models";

  /**
   * Every chunk of every running job (key = job id, value = {@code lumina.v1.GenerationChunk} with
   * frame, tile and audio bytes replaced by artifact references), written by workers and followed
   * by every gateway, so any gateway streams any job live. Time-retained ({@link
   * #CHUNKS_RETENTION_MS}), not compacted.
   */
  public static final String CHUNKS = "lumina.chunks";

  /** How long {@link #CHUNKS} keeps a chunk when a role creates the topic: one hour. */
  public static final long CHUNKS_RETENTION_MS = 3_600_000L;

  /** Queue depth per work topic, published by the scheduler. */
  public static final String QUEUE_DEPTH = "lumina.queue-depth";

  private static final String WORK_PREFIX = "lumina.work.";
  private static final Pattern WORK = Pattern.compile("lumina\\.work\\.([a-z]+)\\.([a-z0-9]+)");

  /** The parts of a work topic name. */
  public record WorkTopic(Modality modality, String tier) {
    /** The topic's name, {@code lumina.work.<modality>.<tier>}. */
    public String topic() {
      return work(modality, tier);
    }
  }

  private Topics() {}

  /** {@code lumina.work.<modality>.<tier>}, e.g. {@code lumina.work.image.s}. */
  public static String work(Modality modality, String tier) {
    Modality m = Modalities.orDefault(modality);
    if (m == Modality.UNRECOGNIZED) {
      throw new IllegalArgumentException("unknown modality");
    }
    if (tier == null || !tier.matches("[a-z0-9]+")) {
      throw new IllegalArgumentException("tier must match [a-z0-9]+, got " + tier);
    }
    return WORK_PREFIX + m.name().toLowerCase(Locale.ROOT) + "." + tier;
  }

  /**
   * The work topics of every pair of {@code modalities} and {@code tiers}, modality by modality:
   * what a worker serving those modalities and tiers consumes.
   */
  public static java.util.List<String> work(Iterable<Modality> modalities, Iterable<String> tiers) {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (Modality m : modalities) {
      for (String tier : tiers) {
        out.add(work(m, tier.trim()));
      }
    }
    return java.util.List.copyOf(out);
  }

  /**
   * Reads a name written by {@link #work}: {@code lumina.work.<modality>.<tier>} with the modality
   * one of {@code image}, {@code video}, {@code multiview}, {@code audio} and the tier of {@code
   * [a-z0-9]+}.
   *
   * @throws IllegalArgumentException naming the topic and the expected form, for any other name
   */
  public static WorkTopic parseWork(String topic) {
    WorkTopic parsed = parseOrNull(topic);
    if (parsed == null) {
      throw new IllegalArgumentException(
          "not a work topic: "
              + (topic == null ? "null" : "'" + topic + "'")
              + "; expected lumina.work.<modality>.<tier>, modality one of "
              + workModalities()
              + " and tier of [a-z0-9]+");
    }
    return parsed;
  }

  /** True when {@code topic} is a work topic name that {@link #parseWork} accepts. */
  public static boolean isWork(String topic) {
    return parseOrNull(topic) != null;
  }

  private static WorkTopic parseOrNull(String topic) {
    Matcher m = topic == null ? null : WORK.matcher(topic);
    if (m == null || !m.matches()) {
      return null;
    }
    for (Modality modality : Modalities.ALL) {
      if (modality.name().toLowerCase(Locale.ROOT).equals(m.group(1))) {
        return new WorkTopic(modality, m.group(2));
      }
    }
    return null;
  }

  private static String workModalities() {
    return String.join(
        ", ", Modalities.ALL.stream().map(m -> m.name().toLowerCase(Locale.ROOT)).toList());
  }
}

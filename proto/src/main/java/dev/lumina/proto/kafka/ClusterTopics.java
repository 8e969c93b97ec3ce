package dev.lumina.proto.kafka;

import dev.lumina.proto.Modalities;
import dev.lumina.proto.Tiers;
import dev.lumina.proto.Topics;
import dev.lumina.proto.v1.Modality;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The cluster's Kafka topics as each role creates them when they are missing (see {@link Topics}):
 * {@code lumina.events} and {@code lumina.models} compacted, {@code lumina.chunks} time-retained,
 * {@code lumina.models} and {@code lumina.queue-depth} with one partition, the others with the
 * configured partition count. Existing topics are left as they are. Stateless.
 */
public final class ClusterTopics {
  private static final Map<String, String> COMPACT = Map.of("cleanup.policy", "compact");

  private ClusterTopics() {}

  /** What a gateway writes or follows: requests, control, events and models. */
  public static List<NewTopic> gateway(int partitions, short replication) {
    return List.of(
        new NewTopic(Topics.REQUESTS, partitions, replication),
        new NewTopic(Topics.CONTROL, partitions, replication),
        new NewTopic(Topics.EVENTS, partitions, replication).configs(COMPACT),
        new NewTopic(Topics.MODELS, 1, replication).configs(COMPACT),
        chunks(partitions, replication));
  }

  /** {@code lumina.chunks}: time-retained, as many partitions as {@code lumina.events}. */
  public static NewTopic chunks(int partitions, short replication) {
    return new NewTopic(Topics.CHUNKS, partitions, replication)
        .configs(
            Map.of(
                "cleanup.policy",
                "delete",
                "retention.ms",
                Long.toString(Topics.CHUNKS_RETENTION_MS),
                "max.message.bytes",
                Integer.toString(2 * 1024 * 1024)));
  }

  /**
   * What a scheduler reads or writes: requests, control, events, queue depth, dead letters, and
   * {@code lumina.work.<modality>.<tier>} for every modality and tier.
   */
  public static List<NewTopic> scheduler(Tiers tiers, int partitions, short replication) {
    List<NewTopic> topics = new ArrayList<>();
    topics.add(new NewTopic(Topics.REQUESTS, partitions, replication));
    topics.add(new NewTopic(Topics.CONTROL, partitions, replication));
    topics.add(new NewTopic(Topics.EVENTS, partitions, replication).configs(COMPACT));
    topics.add(new NewTopic(Topics.QUEUE_DEPTH, 1, replication));
    topics.add(new NewTopic(Topics.DEAD_LETTER, partitions, replication));
    topics.add(chunks(partitions, replication));
    for (Modality m : Modalities.ALL) {
      for (Tiers.Tier t : tiers.tiers()) {
        topics.add(new NewTopic(Topics.work(m, t.name()), partitions, replication));
      }
    }
    return List.copyOf(topics);
  }

  /** Creates each of {@code topics} that does not exist yet on the brokers at {@code bootstrap}. */
  public static void ensure(String bootstrap, List<NewTopic> topics) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      ensure(admin, topics);
    }
  }

  /**
   * Creates each of {@code topics} that does not exist yet, one at a time.
   *
   * @throws IllegalStateException naming the topic when one cannot be created, or when interrupted
   */
  public static void ensure(Admin admin, List<NewTopic> topics) {
    try {
      for (NewTopic t : topics) {
        try {
          admin.createTopics(List.of(t)).all().get();
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException(
                "cannot create topic " + t.name() + ": " + e.getCause().getMessage(), e);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }
}

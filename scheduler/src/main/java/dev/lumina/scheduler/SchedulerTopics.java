package dev.lumina.scheduler;

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
 * Creates the topics the scheduler reads or writes when missing: requests, control, compacted
 * events, queue depth, and {@code lumina.work.<modality>.<tier>} for every modality and tier.
 * Existing topics are left as they are. Stateless.
 */
final class SchedulerTopics {
  private SchedulerTopics() {}

  static void ensure(String bootstrap, Tiers tiers, int partitions, short replication) {
    List<NewTopic> topics = new ArrayList<>();
    topics.add(new NewTopic(Topics.REQUESTS, partitions, replication));
    topics.add(new NewTopic(Topics.CONTROL, partitions, replication));
    topics.add(new NewTopic(Topics.EVENTS, partitions, replication).configs(Map.of("cleanup.policy", "compact")));
    topics.add(new NewTopic(Topics.QUEUE_DEPTH, 1, replication));
    for (Modality m : List.of(Modality.IMAGE, Modality.VIDEO, Modality.MULTIVIEW, Modality.AUDIO)) {
      for (Tiers.Tier t : tiers.tiers()) {
        topics.add(new NewTopic(Topics.work(m, t.name()), partitions, replication));
      }
    }
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      for (NewTopic t : topics) {
        try {
          admin.createTopics(List.of(t)).all().get();
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create topic " + t.name() + ": " + e.getCause().getMessage(), e);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }
}

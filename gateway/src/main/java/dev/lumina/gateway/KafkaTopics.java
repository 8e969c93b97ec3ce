package dev.lumina.gateway;

import dev.lumina.proto.Topics;
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
 * Creates the topics the gateway writes or follows when they do not exist yet:
 * {@code lumina.requests}, {@code lumina.control}, and compacted {@code lumina.events} and
 * {@code lumina.models}. Existing topics are left as they are. Stateless.
 */
final class KafkaTopics {
  private KafkaTopics() {}

  static void ensure(String bootstrap, int partitions, short replication) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    Map<String, String> compact = Map.of("cleanup.policy", "compact");
    List<NewTopic> topics = new ArrayList<>();
    topics.add(new NewTopic(Topics.REQUESTS, partitions, replication));
    topics.add(new NewTopic(Topics.CONTROL, partitions, replication));
    topics.add(new NewTopic(Topics.EVENTS, partitions, replication).configs(compact));
    topics.add(new NewTopic(Topics.MODELS, 1, replication).configs(compact));
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

package dev.lumina.it.procs;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads, as an outside observer, where the scheduler placed jobs (every committed record on every
 * {@code lumina.work.*} topic) and which worker process owns a work partition (the {@code
 * lumina-workers} group's assignment). Stateless; each call opens and closes its clients.
 */
final class WorkPlacements {
  private WorkPlacements() {}

  /** Job id to every work partition a record of it sits on (read committed, as workers read). */
  static Map<String, List<TopicPartition>> all(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Map<String, List<TopicPartition>> out = new HashMap<>();
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      c.listTopics(Duration.ofSeconds(10))
          .forEach(
              (topic, infos) -> {
                if (topic.startsWith("lumina.work.")) {
                  infos.forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
                }
              });
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      while (!end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
        c.poll(Duration.ofMillis(100))
            .forEach(
                r -> {
                  try {
                    out.computeIfAbsent(
                            JobEnvelope.parseFrom(r.value()).getJobId(), k -> new ArrayList<>())
                        .add(new TopicPartition(r.topic(), r.partition()));
                  } catch (InvalidProtocolBufferException e) {
                    throw new IllegalStateException("unreadable envelope on " + r.topic(), e);
                  }
                });
      }
    }
    return out;
  }

  /**
   * The worker id whose work consumer ({@code <id>-work}) owns {@code tp}, or null if none does
   * now.
   */
  static String owner(String bootstrap, TopicPartition tp) throws InterruptedException {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(p)) {
      ConsumerGroupDescription group =
          admin
              .describeConsumerGroups(List.of("lumina-workers"))
              .describedGroups()
              .get("lumina-workers")
              .get();
      for (MemberDescription m : group.members()) {
        Set<TopicPartition> owned = m.assignment().topicPartitions();
        if (owned.contains(tp) && m.clientId().endsWith("-work")) {
          return m.clientId().substring(0, m.clientId().length() - "-work".length());
        }
      }
      return null;
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot describe group lumina-workers: " + e.getCause(), e);
    }
  }
}

package dev.lumina.it.procs;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.JobEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads, as an outside observer, every committed record of {@code lumina.events}: what each job
 * went through, in order per job. Stateless; each call opens and closes its consumer.
 */
final class EventLog {
  private EventLog() {}

  /** Job id to its events, in log order. */
  static Map<String, List<JobEvent>> byJob(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Map<String, List<JobEvent>> out = new HashMap<>();
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      c.partitionsFor(Topics.EVENTS, Duration.ofSeconds(30))
          .forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      while (!end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
        c.poll(Duration.ofMillis(100))
            .forEach(
                r -> {
                  try {
                    JobEvent e = JobEvent.parseFrom(r.value());
                    out.computeIfAbsent(e.getJobId(), k -> new ArrayList<>()).add(e);
                  } catch (InvalidProtocolBufferException e) {
                    throw new IllegalStateException("unreadable event at " + r.offset(), e);
                  }
                });
      }
    }
    return out;
  }
}

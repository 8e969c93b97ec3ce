package dev.lumina.it.worker;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.v1.JobState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads everything a topic holds right now, from the beginning (no consumer group), and what the
 * worker tests ask of it: a job's terminal event, a group's committed offset.
 */
final class KafkaTopics {
  private KafkaTopics() {}

  /** The last event of {@code jobId} on {@code lumina.events} that is not RUNNING. */
  static Optional<JobEvent> terminal(String bootstrap, String jobId)
      throws InvalidProtocolBufferException {
    Optional<JobEvent> found = java.util.Optional.empty();
    for (ConsumerRecord<String, byte[]> r : readAll(bootstrap, Topics.EVENTS)) {
      if (jobId.equals(r.key())) {
        JobEvent e = dev.lumina.proto.cluster.v1.JobEvent.parseFrom(r.value());
        if (e.getState() != JobState.RUNNING) {
          found = java.util.Optional.of(e);
        }
      }
    }
    return found;
  }

  /** The RUNNING events of {@code jobId} on {@code lumina.events}, in order. */
  static List<JobEvent> running(String bootstrap, String jobId)
      throws InvalidProtocolBufferException {
    List<JobEvent> found = new java.util.ArrayList<>();
    for (ConsumerRecord<String, byte[]> r : readAll(bootstrap, Topics.EVENTS)) {
      if (jobId.equals(r.key())) {
        JobEvent e = JobEvent.parseFrom(r.value());
        if (e.getState() == JobState.RUNNING) {
          found.add(e);
        }
      }
    }
    return found;
  }

  /** The offset {@code group} has committed on partition 0 of {@code topic} (0 when none). */
  static long committed(Admin admin, String group, String topic) throws Exception {
    OffsetAndMetadata m =
        admin
            .listConsumerGroupOffsets(group)
            .partitionsToOffsetAndMetadata()
            .get(10, TimeUnit.SECONDS)
            .get(new TopicPartition(topic, 0));
    return m == null ? 0 : m.offset();
  }

  static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> tps =
          c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
              .map(pi -> new TopicPartition(topic, pi.partition()))
              .collect(Collectors.toList());
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps);
      List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not read " + topic + " to its end");
        }
        c.poll(Duration.ofMillis(100)).forEach(out::add);
      }
      return out;
    }
  }
}

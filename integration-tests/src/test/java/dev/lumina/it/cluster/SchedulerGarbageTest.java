package dev.lumina.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lumina.it.KafkaBrokerExtension;
import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.kafka.DeadLetters;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.scheduler.SchedulerConfig;
import dev.lumina.scheduler.SchedulerServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Records on {@code lumina.requests} that hold no job go to {@code lumina.dead-letter} and take no
 * place in a release window: the real jobs around them are all placed, and the committed offset
 * moves past them.
 */
class SchedulerGarbageTest {
  @RegisterExtension static final KafkaBrokerExtension kafka = new KafkaBrokerExtension();

  private static final String WORK = "lumina.work.image.s";
  private static final int WINDOW = 3;

  private static JobEnvelope job(String id) {
    return JobEnvelope.newBuilder()
        .setJobId(id)
        .setTenant("default")
        .setTokenBudget(125)
        .setAcceptedAtMs(System.currentTimeMillis())
        .setRequest(
            GenerateRequest.newBuilder()
                .setModality(Modality.IMAGE)
                .setSampling(Sampling.newBuilder().setSteps(10)))
        .build();
  }

  @Test
  void garbageIsDeadLetteredAndEveryRealJobIsReleasedWithinTheWindow() throws Exception {
    SchedulerConfig config =
        SchedulerConfig.builder(kafka.bootstrapServers()).releaseWindow(WINDOW).build();
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    List<byte[]> garbage =
        java.util.Arrays.asList(
            new byte[] {(byte) 0xff, (byte) 0xff}, // not protobuf
            new byte[] {0x0a, 0x05, 'j'}, // truncated
            new byte[0], // an envelope without job_id
            null); // no value at all
    try (SchedulerServer scheduler = SchedulerServer.start(config);
        KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      List<String> ids = new ArrayList<>();
      // One partition, so the garbage sits between real jobs and in front of the last ones.
      for (int i = 0; i < WINDOW; i++) {
        byte[] g = garbage.get(i);
        producer.send(new ProducerRecord<>(Topics.REQUESTS, 0, "garbage-" + i, g)).get();
        JobEnvelope env = job("real-" + i);
        ids.add(env.getJobId());
        producer.send(new ProducerRecord<>(Topics.REQUESTS, 0, env.getJobId(), env.toByteArray()));
      }
      producer.send(new ProducerRecord<>(Topics.REQUESTS, 0, "garbage-3", garbage.get(3))).get();

      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertThat(readCommitted(WORK).stream().map(SchedulerGarbageTest::jobId))
                      .containsExactlyInAnyOrderElementsOf(ids));
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(readCommitted(Topics.DEAD_LETTER)).hasSize(4));
      // Dead letters are spread over the topic's partitions by key: order them by source offset.
      List<ConsumerRecord<String, byte[]>> dead =
          readCommitted(Topics.DEAD_LETTER).stream()
              .sorted(
                  java.util.Comparator.comparingLong(
                      d -> Long.parseLong(DeadLetters.header(d, DeadLetters.SOURCE_OFFSET))))
              .toList();
      assertThat(dead)
          .extracting(ConsumerRecord::key)
          .containsExactly("garbage-0", "garbage-1", "garbage-2", "garbage-3");
      assertThat(dead)
          .allSatisfy(
              d -> {
                assertThat(DeadLetters.header(d, DeadLetters.SOURCE_TOPIC))
                    .isEqualTo(Topics.REQUESTS);
                assertThat(DeadLetters.header(d, DeadLetters.SOURCE_PARTITION)).isEqualTo("0");
                assertThat(DeadLetters.header(d, DeadLetters.ERROR)).contains("JobEnvelope");
              });
      assertThat(dead)
          .extracting(d -> DeadLetters.header(d, DeadLetters.SOURCE_OFFSET))
          .containsExactly("0", "2", "4", "6");
      assertThat(dead.get(0).value()).containsExactly(0xff, 0xff);
      assertThat(DeadLetters.header(dead.get(0), DeadLetters.ERROR))
          .startsWith("not a valid lumina.cluster.v1.JobEnvelope");
      assertThat(DeadLetters.header(dead.get(2), DeadLetters.ERROR)).contains("without job_id");
      assertThat(DeadLetters.header(dead.get(3), DeadLetters.ERROR)).startsWith("no value");

      // Nothing is held for the garbage: the group's offset reaches the end of the partition.
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(committedRequestOffset(config.groupId())).isEqualTo(7L));
      assertThat(scheduler.isRunning()).isTrue();
    }
  }

  private static String jobId(ConsumerRecord<String, byte[]> r) {
    try {
      return JobEnvelope.parseFrom(r.value()).getJobId();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long committedRequestOffset(String groupId) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    try (Admin admin = Admin.create(p)) {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
      OffsetAndMetadata o = offsets.get(new TopicPartition(Topics.REQUESTS, 0));
      return o == null ? -1 : o.offset();
    }
  }

  private static List<ConsumerRecord<String, byte[]>> readCommitted(String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
              .map(i -> new TopicPartition(i.topic(), i.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      while (!end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
        c.poll(Duration.ofMillis(100)).forEach(out::add);
      }
    }
    out.sort(
        java.util.Comparator.<ConsumerRecord<String, byte[]>>comparingInt(ConsumerRecord::partition)
            .thenComparingLong(ConsumerRecord::offset));
    return out;
  }
}

package dev.lumina.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lumina.it.KafkaBrokerExtension;
import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.cluster.v1.QueueDepth;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.JobState;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.scheduler.SchedulerConfig;
import dev.lumina.scheduler.SchedulerServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
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
 * The scheduler on a real broker: with a backlog, the highest priority reaches the work topic
 * first.
 */
class SchedulerPriorityTest {
  @RegisterExtension static final KafkaBrokerExtension kafka = new KafkaBrokerExtension();

  private static final String WORK = "lumina.work.audio.s";

  private static JobEnvelope job(String id, int priority) {
    return JobEnvelope.newBuilder()
        .setJobId(id)
        .setTenant("default")
        .setTokenBudget(125)
        .setAcceptedAtMs(System.currentTimeMillis())
        .setRequest(
            GenerateRequest.newBuilder()
                .setModality(Modality.AUDIO)
                .setPriority(priority)
                .setSampling(Sampling.newBuilder().setSteps(10)))
        .build();
  }

  private static <T> List<T> readAll(String topic, java.util.function.Function<byte[], T> parse) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<T> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          c.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(i.topic(), i.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      while (!end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
        c.poll(Duration.ofMillis(100)).forEach(r -> out.add(parse.apply(r.value())));
      }
    }
    return out;
  }

  private static List<String> placed() {
    return readAll(
        WORK,
        v -> {
          try {
            return JobEnvelope.parseFrom(v).getJobId();
          } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
          }
        });
  }

  @Test
  void withABacklogTheHighestPriorityJobIsPlacedNextAndDepthIsPublished() throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (SchedulerServer scheduler =
            SchedulerServer.start(
                SchedulerConfig.builder(kafka.bootstrapServers()).releaseWindow(1).build());
        KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      // "first" fills the release window (1 job not yet started); the rest arrive while it is held,
      // so they form a backlog whatever the poll timing.
      JobEnvelope first = job("first", 5);
      producer
          .send(new ProducerRecord<>(Topics.REQUESTS, first.getJobId(), first.toByteArray()))
          .get();
      await().atMost(Duration.ofSeconds(10)).until(() -> placed().contains("first"));
      for (JobEnvelope env : List.of(job("low", 1), job("normal", 5), job("urgent", 9))) {
        producer
            .send(new ProducerRecord<>(Topics.REQUESTS, env.getJobId(), env.toByteArray()))
            .get();
      }
      List<String> order = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        int placedSoFar = i + 1;
        await().atMost(Duration.ofSeconds(10)).until(() -> placed().size() >= placedSoFar);
        List<String> now = placed();
        assertThat(now).hasSize(placedSoFar);
        // Work topics have several partitions: the new job is the one not placed before.
        String next = now.stream().filter(id -> !order.contains(id)).findFirst().orElseThrow();
        order.add(next);
        producer
            .send(
                new ProducerRecord<>(
                    Topics.EVENTS,
                    next,
                    JobEvent.newBuilder()
                        .setJobId(next)
                        .setState(JobState.RUNNING)
                        .setSource("worker")
                        .build()
                        .toByteArray()))
            .get();
      }
      assertThat(order).containsExactly("first", "urgent", "normal", "low");
      await()
          .atMost(Duration.ofSeconds(15))
          .until(
              () ->
                  readAll(
                          Topics.QUEUE_DEPTH,
                          v -> {
                            try {
                              return QueueDepth.parseFrom(v);
                            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                              throw new IllegalStateException(e);
                            }
                          })
                      .stream()
                      .anyMatch(
                          d ->
                              d.getTopic().equals(WORK)
                                  && d.getJobs() > 0
                                  && d.getTokenSeconds() > 0));
      assertThat(scheduler.isRunning()).isTrue();
    }
  }
}

package dev.lumina.it.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.lumina.artifacts.FileSystemArtifactStore;
import dev.lumina.it.KafkaBrokerExtension;
import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.JobState;
import dev.lumina.proto.v1.Modality;
import dev.lumina.worker.ChunkSinkClient;
import dev.lumina.worker.WorkerConfig;
import dev.lumina.worker.WorkerServer;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker hands off from one job to the next, and from its last job to shutdown, as soon as the
 * job ends rather than when its current {@code poll()} times out. The poll timeout here is far
 * longer than any wait the test allows, so a loop that only noticed a finished job when its poll
 * returned fails these tests.
 */
class WorkerHandOffTest {

  @RegisterExtension static final KafkaBrokerExtension kafka = new KafkaBrokerExtension();

  private static final String WORK = Topics.work(Modality.IMAGE, "s");
  private static final Duration POLL = Duration.ofSeconds(60);

  /** Much shorter than {@link #POLL}: what "at once" must beat. */
  private static final Duration WITHIN = Duration.ofSeconds(20);

  @TempDir Path artifacts;

  @Test
  void theNextJobStartsWhenTheRunningOneEndsAndAnIdleWorkerStopsAtOnce() throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(WORK, 1, (short) 1),
                  new NewTopic(Topics.EVENTS, 1, (short) 1),
                  new NewTopic(Topics.CONTROL, 1, (short) 1),
                  new NewTopic(Topics.DEAD_LETTER, 1, (short) 1),
                  new NewTopic(Topics.MODELS, 1, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    RecordingChunkSink sink = new RecordingChunkSink();
    Server gateway = ServerBuilder.forPort(0).addService(sink).build().start();
    ScriptedJobExecutor executor =
        new ScriptedJobExecutor(new FileSystemArtifactStore(artifacts), 2);
    WorkerConfig config =
        WorkerConfig.builder(kafka.bootstrapServers(), List.of(WORK), "it-hand-off-1")
            .groupId("it-hand-off")
            .pollTimeout(POLL)
            .maxPollInterval(POLL.multipliedBy(3))
            .chunkAckTimeout(Duration.ofSeconds(5))
            .drainTimeout(Duration.ofSeconds(30))
            .controlLookback(Duration.ofMinutes(1))
            .sessionTimeout(Duration.ofSeconds(6))
            .build();
    WorkerServer worker =
        new WorkerServer(
                config, executor, new ChunkSinkClient(Duration.ofSeconds(5)), Clock.systemUTC())
            .start();
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      CountDownLatch releaseFirst = executor.holdAfterFirstStep("hand-off-1");
      send(producer, "hand-off-1", gateway.getPort());
      assertThat(
              executor.reachedStep1.get("hand-off-1").await(WITHIN.toSeconds(), TimeUnit.SECONDS))
          .isTrue();
      // Lands on the paused partition while the first job runs.
      send(producer, "hand-off-2", gateway.getPort());

      long released = System.nanoTime();
      releaseFirst.countDown();
      long deadline = released + WITHIN.toNanos();
      Set<String> done = Set.of();
      while (System.nanoTime() < deadline && !(done = succeeded()).contains("hand-off-2")) {
        // Each read takes a broker round trip; the deadline bounds the loop.
      }
      assertThat(done)
          .as(
              "both jobs succeeded within %s of the first one's release (poll timeout %s)",
              WITHIN, POLL)
          .contains("hand-off-1", "hand-off-2");

      long shutdownAt = System.nanoTime();
      worker.shutdown();
      assertThat(worker.awaitTermination(WITHIN))
          .as("an idle worker drains without waiting out its poll")
          .isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - shutdownAt)).isLessThan(WITHIN);
    } finally {
      worker.shutdownNow();
      worker.awaitTermination(POLL.multipliedBy(2));
      gateway.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aSessionTimeoutOutsideTheBrokersGroupLimitsIsRefusedNamingTheLimit() {
    WorkerConfig d = WorkerConfig.builder("127.0.0.1:9092", List.of(WORK), "w").build();
    assertThat(d.sessionTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(d.heartbeatInterval()).isLessThan(d.sessionTimeout());
    assertThatThrownBy(() -> d.toBuilder().sessionTimeout(Duration.ofSeconds(2)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("session timeout must be in [6000, 1800000] ms");
  }

  private static void send(KafkaProducer<String, byte[]> producer, String jobId, int gatewayPort)
      throws Exception {
    JobEnvelope env =
        JobEnvelope.newBuilder()
            .setJobId(jobId)
            .setTenant("t1")
            .setRequest(
                GenerateRequest.newBuilder()
                    .setPrompt("a red square")
                    .setModality(Modality.IMAGE)
                    .setModel("scripted"))
            .setTokenBudget(16)
            .setTier("s")
            .setAcceptedAtMs(System.currentTimeMillis())
            .setGateway("127.0.0.1:" + gatewayPort)
            .setSeed(42)
            .build();
    producer.send(new ProducerRecord<>(WORK, jobId, env.toByteArray())).get(30, TimeUnit.SECONDS);
  }

  private static Set<String> succeeded() throws InvalidProtocolBufferException {
    java.util.HashSet<String> out = new java.util.HashSet<>();
    for (ConsumerRecord<String, byte[]> r :
        KafkaTopics.readAll(kafka.bootstrapServers(), Topics.EVENTS)) {
      if (JobEvent.parseFrom(r.value()).getState() == JobState.SUCCEEDED) {
        out.add(r.key());
      }
    }
    return out;
  }
}

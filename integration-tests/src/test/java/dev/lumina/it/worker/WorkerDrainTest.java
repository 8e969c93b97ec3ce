package dev.lumina.it.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Worker shutdown on a real broker: a graceful drain finishes the running job; a hard stop cancels
 * it.
 */
class WorkerDrainTest {
  @RegisterExtension static final KafkaBrokerExtension kafka = new KafkaBrokerExtension();

  @TempDir static Path artifacts;
  private static Admin admin;
  private static KafkaProducer<String, byte[]> producer;

  @BeforeAll
  static void connect() throws Exception {
    admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    admin
        .createTopics(
            List.of(
                new NewTopic(Topics.work(Modality.IMAGE, "d1"), 1, (short) 1),
                new NewTopic(Topics.work(Modality.IMAGE, "d2"), 1, (short) 1),
                new NewTopic(Topics.EVENTS, 1, (short) 1),
                new NewTopic(Topics.CONTROL, 1, (short) 1)))
        .all()
        .get(30, TimeUnit.SECONDS);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  @AfterAll
  static void disconnect() {
    if (producer != null) {
      producer.close();
    }
    if (admin != null) {
      admin.close();
    }
  }

  @Test
  void shutdownLetsTheRunningJobFinishRecordItAndCommitBeforeTerminating() throws Exception {
    String topic = Topics.work(Modality.IMAGE, "d1");
    ScriptedJobExecutor executor =
        new ScriptedJobExecutor(new FileSystemArtifactStore(artifacts), 3);
    WorkerServer worker = start(executor, topic, "drain-1");
    CountDownLatch release = executor.holdAfterFirstStep("job-drain");
    long offset = produce(topic, "job-drain");
    assertThat(executor.reachedStep1.get("job-drain").await(30, TimeUnit.SECONDS)).isTrue();

    worker.shutdown();
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !worker.isTerminated());
    release.countDown();

    assertThat(worker.awaitTermination(Duration.ofSeconds(30))).isTrue();
    assertThat(terminal("job-drain").orElseThrow().getState()).isEqualTo(JobState.SUCCEEDED);
    assertThat(committed("drain-1", topic)).isEqualTo(offset + 1);
  }

  @Test
  void shutdownNowCancelsTheRunningJobAtItsNextStepAndRecordsIt() throws Exception {
    String topic = Topics.work(Modality.IMAGE, "d2");
    ScriptedJobExecutor executor =
        new ScriptedJobExecutor(new FileSystemArtifactStore(artifacts), 3);
    WorkerServer worker = start(executor, topic, "drain-2");
    executor.holdAfterFirstStep("job-hard");
    long offset = produce(topic, "job-hard");
    assertThat(executor.reachedStep1.get("job-hard").await(30, TimeUnit.SECONDS)).isTrue();

    worker.shutdownNow();

    assertThat(worker.awaitTermination(Duration.ofSeconds(30))).isTrue();
    assertThat(terminal("job-hard").orElseThrow().getState()).isEqualTo(JobState.CANCELLED);
    assertThat(executor.stepsRun.get("job-hard")).isEqualTo(1);
    assertThat(committed("drain-2", topic)).isEqualTo(offset + 1);
  }

  private static WorkerServer start(ScriptedJobExecutor executor, String topic, String group)
      throws Exception {
    WorkerConfig config =
        WorkerConfig.builder(kafka.bootstrapServers(), List.of(topic), group)
            .groupId(group)
            .pollTimeout(Duration.ofMillis(100))
            .maxPollInterval(Duration.ofSeconds(10))
            .chunkAckTimeout(Duration.ofSeconds(5))
            .drainTimeout(Duration.ofSeconds(60))
            .controlLookback(Duration.ofMinutes(1))
            .build();
    return new WorkerServer(
            config, executor, new ChunkSinkClient(Duration.ofSeconds(5)), Clock.systemUTC())
        .start();
  }

  private static long produce(String topic, String jobId) throws Exception {
    JobEnvelope env =
        JobEnvelope.newBuilder()
            .setJobId(jobId)
            .setTenant("t")
            .setRequest(GenerateRequest.newBuilder().setPrompt("p").setModality(Modality.IMAGE))
            .setAcceptedAtMs(System.currentTimeMillis())
            .build();
    return producer.send(new ProducerRecord<>(topic, jobId, env.toByteArray())).get().offset();
  }

  private static long committed(String group, String topic) throws Exception {
    return KafkaTopics.committed(admin, group, topic);
  }

  private static Optional<JobEvent> terminal(String jobId) throws Exception {
    return KafkaTopics.terminal(kafka.bootstrapServers(), jobId);
  }
}

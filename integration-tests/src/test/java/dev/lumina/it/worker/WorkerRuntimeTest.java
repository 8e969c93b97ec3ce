package dev.lumina.it.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lumina.artifacts.FileSystemArtifactStore;
import dev.lumina.it.KafkaBrokerExtension;
import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.ControlMessage;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.JobState;
import dev.lumina.proto.v1.Modality;
import dev.lumina.worker.ChunkSinkClient;
import dev.lumina.worker.WorkerConfig;
import dev.lumina.worker.WorkerServer;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker runtime against a real in-process broker and a real gRPC ChunkSink on loopback, with a
 * scripted executor standing in for the model.
 */
class WorkerRuntimeTest {

  @RegisterExtension static final KafkaBrokerExtension kafka = new KafkaBrokerExtension();

  private static final String WORK = Topics.work(Modality.IMAGE, "s");
  private static final String GROUP = "it-workers";
  private static final TopicPartition WORK_TP = new TopicPartition(WORK, 0);
  private static final int STEPS = 4;

  /** Shorter than the jobs the tests hold open: the loop must keep polling while a job runs. */
  private static final Duration MAX_POLL_INTERVAL = Duration.ofMillis(1000);

  @TempDir static Path artifacts;

  private static Admin admin;
  private static KafkaProducer<String, byte[]> producer;
  private static Server gateway;
  private static RecordingChunkSink sink;
  private static ScriptedJobExecutor executor;
  private static WorkerServer worker;

  @BeforeAll
  static void startWorker() throws Exception {
    admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
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
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());

    sink = new RecordingChunkSink();
    gateway = ServerBuilder.forPort(0).addService(sink).build().start();

    executor = new ScriptedJobExecutor(new FileSystemArtifactStore(artifacts), STEPS);
    WorkerConfig config =
        WorkerConfig.builder(kafka.bootstrapServers(), List.of(WORK), "it-worker-1")
            .groupId(GROUP)
            .pollTimeout(Duration.ofMillis(100))
            .maxPollInterval(MAX_POLL_INTERVAL)
            .chunkAckTimeout(Duration.ofSeconds(5))
            .drainTimeout(Duration.ofSeconds(10))
            .controlLookback(Duration.ofMinutes(1))
            .maxBatch(4)
            .build();
    worker =
        new WorkerServer(
                config, executor, new ChunkSinkClient(Duration.ofSeconds(5)), Clock.systemUTC())
            .start();
  }

  @AfterAll
  static void stopWorker() throws InterruptedException {
    if (worker != null) {
      worker.shutdownNow();
      assertThat(worker.awaitTermination(Duration.ofSeconds(30))).isTrue();
    }
    if (gateway != null) {
      gateway.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (producer != null) {
      producer.close();
    }
    if (admin != null) {
      admin.close();
    }
  }

  @Test
  void offsetIsCommittedOnlyAfterTheTerminalEventIsDurableEvenForJobsLongerThanMaxPollInterval()
      throws Exception {
    CountDownLatch release = executor.holdAfterFirstStep("job-long");
    long offset = produceJob("job-long", "a red square");
    assertThat(executor.reachedStep1.get("job-long").await(30, TimeUnit.SECONDS)).isTrue();
    // Its RUNNING event names the worker and the jobs it holds at once (the scheduler keeps that
    // many waiting on the topic): one running plus maxBatch (4) fetched ahead.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> !KafkaTopics.running(kafka.bootstrapServers(), "job-long").isEmpty());
    JobEvent running = KafkaTopics.running(kafka.bootstrapServers(), "job-long").get(0);
    assertThat(running.getWorker()).isEqualTo("it-worker-1");
    assertThat(running.getWorkerSlots()).isEqualTo(5);
    assertThat(running.getSource()).isEqualTo("worker");

    // Held for longer than max.poll.interval.ms: nothing committed, no terminal event.
    await()
        .during(MAX_POLL_INTERVAL.multipliedBy(2))
        .atMost(MAX_POLL_INTERVAL.multipliedBy(4))
        .until(() -> committed() <= offset && terminal("job-long").isEmpty());

    release.countDown();
    await().atMost(Duration.ofSeconds(30)).until(() -> committed() == offset + 1);
    // The offset moved, so the event was already durable when it did.
    JobEvent done = terminal("job-long").orElseThrow();
    assertThat(done.getState()).isEqualTo(JobState.SUCCEEDED);
    assertThat(done.getSource()).isEqualTo("worker");
    assertThat(done.getJob().getArtifactsList()).hasSize(1);
    Path png = Path.of(java.net.URI.create(done.getJob().getArtifacts(0).getUri()));
    assertThat(Files.size(png)).isEqualTo(done.getJob().getArtifacts(0).getSizeBytes());
    assertThat(done.getJob().getStep()).isEqualTo(STEPS);

    // The gateway got progress per step, the frame, then completed, numbered from 2.
    await().atMost(Duration.ofSeconds(10)).until(() -> isTerminal(last(sink.chunks("job-long"))));
    List<GenerationChunk> chunks = sink.chunks("job-long");
    assertThat(chunks).extracting(GenerationChunk::getSeq).containsExactly(2L, 3L, 4L, 5L, 6L, 7L);
    assertThat(chunks)
        .extracting(GenerationChunk::getPayloadCase)
        .containsExactly(
            GenerationChunk.PayloadCase.PROGRESS,
            GenerationChunk.PayloadCase.PROGRESS,
            GenerationChunk.PayloadCase.PROGRESS,
            GenerationChunk.PayloadCase.PROGRESS,
            GenerationChunk.PayloadCase.FRAME,
            GenerationChunk.PayloadCase.COMPLETED);
    assertThat(chunks.get(4).getFrame().getData().size()).isGreaterThan(0);
    assertThat(done.getJob().getLastSeq()).isEqualTo(7L);
    // Durable copies on the event carry no bytes.
    assertThat(done.getChunksList()).hasSize(6);
    assertThat(done.getChunks(4).getFrame().getData().isEmpty()).isTrue();
  }

  @Test
  void cancelOnTheControlTopicStopsTheRunningJobWithinOneStep() throws Exception {
    executor.holdAfterFirstStep("job-cancel");
    long offset = produceJob("job-cancel", "a blue circle");
    assertThat(executor.reachedStep1.get("job-cancel").await(30, TimeUnit.SECONDS)).isTrue();

    ControlMessage cancel =
        ControlMessage.newBuilder()
            .setJobId("job-cancel")
            .setTenant("t1")
            .setCancel(ControlMessage.Cancel.newBuilder().setAtMs(System.currentTimeMillis()))
            .build();
    producer.send(new ProducerRecord<>(Topics.CONTROL, "job-cancel", cancel.toByteArray())).get();

    await().atMost(Duration.ofSeconds(30)).until(() -> committed() == offset + 1);
    JobEvent done = terminal("job-cancel").orElseThrow();
    assertThat(done.getState()).isEqualTo(JobState.CANCELLED);
    assertThat(done.getJob().getErrorCode()).isEqualTo("CANCELLED");
    assertThat(executor.stepsRun.get("job-cancel")).isEqualTo(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> isTerminal(last(sink.chunks("job-cancel"))));
    assertThat(last(sink.chunks("job-cancel")).getFailed().getCode()).isEqualTo("CANCELLED");
  }

  @Test
  void unreadableAndPoisonJobsGoToTheDeadLetterTopicAndTheNextJobStillRuns() throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                WORK,
                "garbage",
                "not a protobuf \u0000\u00ff".getBytes(StandardCharsets.ISO_8859_1)))
        .get();
    produceJob("job-poison", "poison");
    long offset = produceJob("job-after-poison", "a green triangle");

    await().atMost(Duration.ofSeconds(30)).until(() -> committed() == offset + 1);
    assertThat(terminal("job-after-poison").orElseThrow().getState()).isEqualTo(JobState.SUCCEEDED);
    JobEvent poison = terminal("job-poison").orElseThrow();
    assertThat(poison.getState()).isEqualTo(JobState.FAILED);
    assertThat(poison.getJob().getErrorCode()).isEqualTo("INVALID_ARGUMENT");
    List<ConsumerRecord<String, byte[]>> dead =
        KafkaTopics.readAll(kafka.bootstrapServers(), Topics.DEAD_LETTER);
    assertThat(dead).extracting(ConsumerRecord::key).contains("garbage", "job-poison");
    ConsumerRecord<String, byte[]> garbage =
        dead.stream().filter(r -> r.key().equals("garbage")).findFirst().orElseThrow();
    assertThat(
            new String(
                garbage.headers().lastHeader("lumina.error").value(), StandardCharsets.UTF_8))
        .contains("unreadable job envelope");
  }

  @Test
  void jobsWithOneBatchKeyWaitingTogetherRunAsOneBatchAndAreEachRecorded() throws Exception {
    CountDownLatch release = executor.holdAfterFirstStep("job-blocker");
    produceJob("job-blocker", "a held job");
    assertThat(executor.reachedStep1.get("job-blocker").await(30, TimeUnit.SECONDS)).isTrue();
    produceJob("job-b1", "batch one");
    produceJob("job-b2", "batch two");
    long last = produceJob("job-b3", "batch three");

    release.countDown();
    await().atMost(Duration.ofSeconds(30)).until(() -> committed() == last + 1);
    for (String id : List.of("job-blocker", "job-b1", "job-b2", "job-b3")) {
      assertThat(terminal(id).orElseThrow().getState()).as(id).isEqualTo(JobState.SUCCEEDED);
    }
    assertThat(executor.batchSizes).anySatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(2));
    assertThat(sink.chunks("job-b2")).extracting(GenerationChunk::getSeq).startsWith(2L, 3L);
  }

  private long produceJob(String jobId, String prompt) throws Exception {
    JobEnvelope env =
        JobEnvelope.newBuilder()
            .setJobId(jobId)
            .setTenant("t1")
            .setRequest(
                GenerateRequest.newBuilder()
                    .setPrompt(prompt)
                    .setModality(Modality.IMAGE)
                    .setModel("scripted"))
            .setTokenBudget(16)
            .setTier("s")
            .setAcceptedAtMs(System.currentTimeMillis())
            .setGateway("127.0.0.1:" + gateway.getPort())
            .setSeed(42)
            .build();
    return producer.send(new ProducerRecord<>(WORK, jobId, env.toByteArray())).get().offset();
  }

  private static long committed() throws Exception {
    return KafkaTopics.committed(admin, GROUP, WORK);
  }

  private static Optional<JobEvent> terminal(String jobId) throws Exception {
    return KafkaTopics.terminal(kafka.bootstrapServers(), jobId);
  }

  private static GenerationChunk last(List<GenerationChunk> chunks) {
    return chunks.isEmpty() ? GenerationChunk.getDefaultInstance() : chunks.get(chunks.size() - 1);
  }

  private static boolean isTerminal(GenerationChunk c) {
    return c.hasCompleted() || c.hasFailed();
  }
}

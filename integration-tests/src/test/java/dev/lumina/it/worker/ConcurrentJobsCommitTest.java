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
import dev.lumina.worker.BatchJob;
import dev.lumina.worker.CancelToken;
import dev.lumina.worker.ChunkEmitter;
import dev.lumina.worker.ChunkSinkClient;
import dev.lumina.worker.JobCancelledException;
import dev.lumina.worker.JobExecutor;
import dev.lumina.worker.JobFailedException;
import dev.lumina.worker.JobOutcome;
import dev.lumina.worker.JobResult;
import dev.lumina.worker.WorkerConfig;
import dev.lumina.worker.WorkerServer;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker running several jobs at once (as with step batching) against a real broker: a later job
 * of a partition that ends first is recorded but does not move the partition's offset past the
 * earlier one still running (so a worker dying then leaves the earlier job to be delivered again);
 * once the earlier one ends, the offset moves past both.
 */
class ConcurrentJobsCommitTest {
  @RegisterExtension static final KafkaBrokerExtension kafka = new KafkaBrokerExtension();

  private static final String WORK = Topics.work(Modality.IMAGE, "s");
  private static final String GROUP = "it-concurrent-workers";
  private static final TopicPartition WORK_TP = new TopicPartition(WORK, 0);

  @TempDir Path artifacts;

  /** The scripted model, several jobs at a time each on its own thread. */
  private record Concurrent(ScriptedJobExecutor scripted) implements JobExecutor {
    @Override
    public JobResult run(JobEnvelope job, ChunkEmitter emitter, CancelToken cancel)
        throws JobFailedException, JobCancelledException {
      return scripted.run(job, emitter, cancel);
    }

    @Override
    public List<JobOutcome> runBatch(List<BatchJob> jobs) {
      return scripted.runBatch(jobs);
    }

    @Override
    public int concurrentJobs() {
      return 3;
    }
  }

  private WorkerServer startWorker(ScriptedJobExecutor executor, String id)
      throws dev.lumina.worker.WorkerStartException {
    WorkerConfig config =
        WorkerConfig.builder(kafka.bootstrapServers(), List.of(WORK), id)
            .groupId(GROUP)
            .pollTimeout(Duration.ofMillis(100))
            .chunkAckTimeout(Duration.ofSeconds(5))
            .drainTimeout(Duration.ofSeconds(10))
            .sessionTimeout(Duration.ofSeconds(6))
            .maxBatch(3)
            .build();
    return new WorkerServer(
            config,
            new Concurrent(executor),
            new ChunkSinkClient(Duration.ofSeconds(5)),
            Clock.systemUTC())
        .start();
  }

  @Test
  void aLaterJobEndingFirstDoesNotCommitPastAnEarlierOneStillRunning() throws Exception {
    try (Admin admin =
            Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
        KafkaProducer<String, byte[]> producer = producer()) {
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
      Server gateway =
          ServerBuilder.forPort(0).addService(new RecordingChunkSink()).build().start();
      try {
        ScriptedJobExecutor first =
            new ScriptedJobExecutor(new FileSystemArtifactStore(artifacts), 4);
        java.util.concurrent.CountDownLatch release = first.holdAfterFirstStep("job-early");
        WorkerServer worker = startWorker(first, "it-concurrent-1");
        long early = produce(producer, gateway, "job-early");
        assertThat(first.reachedStep1.get("job-early").await(30, TimeUnit.SECONDS)).isTrue();
        long late = produce(producer, gateway, "job-late");
        assertThat(late).isEqualTo(early + 1);

        // The later job ran beside the held one and is recorded ...
        await().atMost(Duration.ofSeconds(30)).until(() -> terminal("job-late").isPresent());
        assertThat(terminal("job-late").orElseThrow().getState()).isEqualTo(JobState.SUCCEEDED);
        // ... but the offset stays at the job still running.
        await()
            .during(Duration.ofSeconds(1))
            .atMost(Duration.ofSeconds(5))
            .until(() -> committed(admin) <= early);
        assertThat(terminal("job-early")).isEmpty();

        // Had the worker died now, the early job would be delivered again: its offset is the
        // committed one. It ends, and the offset moves past both.
        release.countDown();
        try {
          await().atMost(Duration.ofSeconds(30)).until(() -> terminal("job-early").isPresent());
          assertThat(terminal("job-early").orElseThrow().getState()).isEqualTo(JobState.SUCCEEDED);
          await().atMost(Duration.ofSeconds(30)).until(() -> committed(admin) == late + 1);
        } finally {
          worker.shutdownNow();
          worker.awaitTermination(Duration.ofSeconds(30));
        }
      } finally {
        gateway.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static KafkaProducer<String, byte[]> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  private static long produce(KafkaProducer<String, byte[]> producer, Server gateway, String id)
      throws Exception {
    JobEnvelope env =
        JobEnvelope.newBuilder()
            .setJobId(id)
            .setTenant("t1")
            .setRequest(
                GenerateRequest.newBuilder()
                    .setPrompt("a red square")
                    .setModality(Modality.IMAGE)
                    .setModel("scripted"))
            .setTokenBudget(16)
            .setTier("s")
            .setAcceptedAtMs(System.currentTimeMillis())
            .setGateway("127.0.0.1:" + gateway.getPort())
            .setSeed(42)
            .build();
    return producer.send(new ProducerRecord<>(WORK, id, env.toByteArray())).get().offset();
  }

  private static long committed(Admin admin) throws Exception {
    return KafkaTopics.committed(admin, GROUP, WORK);
  }

  private static Optional<JobEvent> terminal(String jobId) throws Exception {
    return KafkaTopics.terminal(kafka.bootstrapServers(), jobId);
  }
}

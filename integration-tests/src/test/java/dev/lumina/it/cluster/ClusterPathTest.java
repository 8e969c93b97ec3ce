package dev.lumina.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lumina.deploy.grpc.GrpcServerFactory;
import dev.lumina.gateway.GatewayConfig;
import dev.lumina.gateway.GatewayServer;
import dev.lumina.it.KafkaBrokerExtension;
import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.cluster.v1.ModelCard;
import dev.lumina.proto.v1.CancelRequest;
import dev.lumina.proto.v1.Completed;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.GetJobRequest;
import dev.lumina.proto.v1.Job;
import dev.lumina.proto.v1.JobState;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.ModelInfo;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.proto.v1.WatchRequest;
import dev.lumina.scheduler.SchedulerConfig;
import dev.lumina.scheduler.SchedulerServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two gateways and a scheduler against a real in-process broker, over real gRPC on loopback; the
 * test plays the worker on the work topics and {@code lumina.events}.
 */
class ClusterPathTest {
  @RegisterExtension static final KafkaBrokerExtension kafka = new KafkaBrokerExtension();

  private static SchedulerServer scheduler;
  private static GatewayServer gatewayA;
  private static GatewayServer gatewayB;
  private static ManagedChannel channelA;
  private static ManagedChannel channelB;

  static ModelCard model() {
    return ModelCard.newBuilder()
        .setInfo(
            ModelInfo.newBuilder()
                .setName("flag-dit-it")
                .addModalities(Modality.IMAGE)
                .addModalities(Modality.VIDEO)
                .addModalities(Modality.MULTIVIEW)
                .setDownsample(8)
                .setPatchSize(2)
                .setPixelUnit(16)
                .setMaxTokens(131_072)
                .setMinSide(128)
                .setMaxSide(1024)
                .setMaxAspect(4f)
                .setMaxFrames(8)
                .setMaxViews(4)
                .setMaxSteps(50)
                .setMaxPromptBytes(256)
                .setDefaultGeometry(
                    Geometry.newBuilder().setWidth(256).setHeight(256).setFrames(2).setViews(2))
                .setDefaultSampling(
                    Sampling.newBuilder().setSteps(10).setCfgScale(4f).setTimeShift(3f)))
        .build();
  }

  @BeforeAll
  static void startCluster() {
    String bootstrap = kafka.bootstrapServers();
    scheduler = SchedulerServer.start(SchedulerConfig.builder(bootstrap).releaseWindow(1).build());
    GatewayConfig config =
        GatewayConfig.local(bootstrap).toBuilder()
            .staticModels(List.of(model()))
            .defaultModel("flag-dit-it")
            .build();
    gatewayA = GatewayServer.start(config, GrpcServerFactory.gatewayHost());
    gatewayB = GatewayServer.start(config, GrpcServerFactory.gatewayHost());
    channelA = NettyChannelBuilder.forAddress("127.0.0.1", gatewayA.port()).usePlaintext().build();
    channelB = NettyChannelBuilder.forAddress("127.0.0.1", gatewayB.port()).usePlaintext().build();
  }

  @AfterAll
  static void stopCluster() {
    for (ManagedChannel c : new ManagedChannel[] {channelA, channelB}) {
      if (c != null) {
        c.shutdownNow();
      }
    }
    for (AutoCloseable c : new AutoCloseable[] {gatewayA, gatewayB, scheduler}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static GenerationGrpc.GenerationBlockingStub a() {
    return GenerationGrpc.newBlockingStub(channelA).withDeadlineAfter(Duration.ofSeconds(20));
  }

  private static GenerationGrpc.GenerationBlockingStub b() {
    return GenerationGrpc.newBlockingStub(channelB).withDeadlineAfter(Duration.ofSeconds(20));
  }

  private static GenerateRequest.Builder request(Modality modality) {
    return GenerateRequest.newBuilder().setPrompt("a paper boat on a pond").setModality(modality);
  }

  /** Job ids on a work topic so far (read committed, as workers read). */
  private static List<String> workJobs(String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<String> ids = new ArrayList<>();
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
        c.poll(Duration.ofMillis(100))
            .forEach(
                r -> {
                  try {
                    ids.add(JobEnvelope.parseFrom(r.value()).getJobId());
                  } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    throw new IllegalStateException(e);
                  }
                });
      }
    }
    return ids;
  }

  /** Publishes a worker's job event, as the worker runtime does. */
  private static void workerEvent(JobEvent event) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      producer
          .send(new ProducerRecord<>(Topics.EVENTS, event.getJobId(), event.toByteArray()))
          .get();
    }
  }

  @Test
  void submitOnOneGatewayReachesTheWorkTopicAndWatchOnAnotherReplaysTheFinishedJob()
      throws Exception {
    Job job = a().submit(request(Modality.IMAGE).setRequestId("it-image-1").build());
    assertThat(job.getState()).isEqualTo(JobState.QUEUED);
    assertThat(job.getTier()).isEqualTo("s");
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> workJobs("lumina.work.image.s").contains(job.getJobId()));
    Job onB = b().getJob(GetJobRequest.newBuilder().setJobId(job.getJobId()).build());
    assertThat(onB.getTokenBudget()).isEqualTo(16 * 17);
    Job running = onB.toBuilder().setState(JobState.RUNNING).build();
    workerEvent(
        JobEvent.newBuilder()
            .setJobId(job.getJobId())
            .setTenant("default")
            .setState(JobState.RUNNING)
            .setJob(running)
            .setSource("worker")
            .build());
    GenerationChunk done =
        GenerationChunk.newBuilder()
            .setJobId(job.getJobId())
            .setSeq(12)
            .setCompleted(Completed.newBuilder().setSeed(42))
            .build();
    workerEvent(
        JobEvent.newBuilder()
            .setJobId(job.getJobId())
            .setTenant("default")
            .setState(JobState.SUCCEEDED)
            .setJob(running.toBuilder().setState(JobState.SUCCEEDED))
            .addChunks(done)
            .setSource("worker")
            .build());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                b().getJob(GetJobRequest.newBuilder().setJobId(job.getJobId()).build()).getState()
                    == JobState.SUCCEEDED);
    List<GenerationChunk> replay = new ArrayList<>();
    b().watch(WatchRequest.newBuilder().setJobId(job.getJobId()).build())
        .forEachRemaining(replay::add);
    assertThat(replay).extracting(GenerationChunk::getSeq).containsExactly(1L, 12L);
    assertThat(replay.get(0).getAccepted().getTier()).isEqualTo("s");
    assertThat(replay.get(1).getCompleted().getSeed()).isEqualTo(42);
  }

  @Test
  void resubmittingTheSameRequestOnAnyGatewayReturnsTheSameJobPlacedOnce() throws Exception {
    GenerateRequest req = request(Modality.IMAGE).setRequestId("it-idem").setPriority(3).build();
    Job first = a().submit(req);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              try {
                b().getJob(GetJobRequest.newBuilder().setJobId(first.getJobId()).build());
                return true;
              } catch (StatusRuntimeException e) {
                return false;
              }
            });
    Job second = b().submit(req);
    assertThat(second.getJobId()).isEqualTo(first.getJobId());
    assertThatThrownBy(() -> b().submit(req.toBuilder().setPrompt("something else").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));
    await().atMost(Duration.ofSeconds(15)).until(() -> schedulerCaughtUp());
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> workJobs("lumina.work.image.s").contains(first.getJobId()));
    assertThat(workJobs("lumina.work.image.s").stream().filter(first.getJobId()::equals).count())
        .isEqualTo(1);
    // The worker starts it, which frees the topic's release window for the other image tests.
    workerEvent(
        JobEvent.newBuilder()
            .setJobId(first.getJobId())
            .setTenant("default")
            .setState(JobState.RUNNING)
            .setJob(first.toBuilder().setState(JobState.RUNNING))
            .setSource("worker")
            .build());
  }

  @Test
  void aJobCancelledBeforeItStartsNeverReachesAWorker() {
    Job blocker = a().submit(request(Modality.VIDEO).build());
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> workJobs("lumina.work.video.s").contains(blocker.getJobId()));
    Iterator<GenerationChunk> stream = a().generate(request(Modality.VIDEO).build());
    String jobId = stream.next().getJobId();
    b().cancel(CancelRequest.newBuilder().setJobId(jobId).build());
    GenerationChunk failed = stream.next();
    assertThat(failed.getFailed().getCode()).isEqualTo("CANCELLED");
    assertThatThrownBy(stream::hasNext)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
    assertThat(b().getJob(GetJobRequest.newBuilder().setJobId(jobId).build()).getState())
        .isEqualTo(JobState.CANCELLED);
    assertThat(workJobs("lumina.work.video.s")).doesNotContain(jobId);
  }

  @Test
  void aJobStillQueuedAtItsDeadlineEndsWithDeadlineExceeded() {
    Job blocker = a().submit(request(Modality.MULTIVIEW).build());
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> workJobs("lumina.work.multiview.s").contains(blocker.getJobId()));
    List<GenerationChunk> seen = new CopyOnWriteArrayList<>();
    Iterator<GenerationChunk> stream =
        b().generate(request(Modality.MULTIVIEW).setMaxQueueMs(300).build());
    seen.add(stream.next());
    assertThatThrownBy(() -> stream.forEachRemaining(seen::add))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    assertThat(seen)
        .last()
        .satisfies(c -> assertThat(c.getFailed().getCode()).isEqualTo("DEADLINE_EXCEEDED"));
    assertThat(workJobs("lumina.work.multiview.s")).doesNotContain(seen.get(0).getJobId());
  }

  /** True once the scheduler committed every record now on lumina.requests. */
  private static boolean schedulerCaughtUp() throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrapServers());
    try (Admin admin = Admin.create(p);
        KafkaConsumer<String, byte[]> c =
            new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets("lumina-scheduler").partitionsToOffsetAndMetadata().get();
      List<TopicPartition> parts =
          c.partitionsFor(Topics.REQUESTS).stream()
              .map(i -> new TopicPartition(i.topic(), i.partition()))
              .toList();
      return c.endOffsets(parts).entrySet().stream()
          .allMatch(
              e ->
                  e.getValue() == 0
                      || (committed.get(e.getKey()) != null
                          && committed.get(e.getKey()).offset() >= e.getValue()));
    }
  }
}

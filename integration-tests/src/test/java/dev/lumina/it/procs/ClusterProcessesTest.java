package dev.lumina.it.procs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.lumina.proto.Tiers;
import dev.lumina.proto.TokenBudget;
import dev.lumina.proto.Topics;
import dev.lumina.proto.v1.CancelRequest;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.GetJobRequest;
import dev.lumina.proto.v1.Job;
import dev.lumina.proto.v1.JobState;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.proto.v1.WatchRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The cluster as separate processes ({@link ClusterProcesses}): a broker, two gateways, a scheduler
 * and two workers running a small random-weight Flag-DiT on CPU, driven over real gRPC on loopback.
 * The SIGKILL test runs last: it leaves one worker.
 */
@Tag("processes")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterProcessesTest {
  private static final Duration JOB_WAIT = Duration.ofSeconds(120);
  private static final TokenBudget BUDGET = new TokenBudget(1, 2, 0);
  private static ClusterProcesses cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    Path dir =
        Path.of(System.getProperty("lumina.it.procs.dir", "target/procs"))
            .resolve("run-" + ProcessHandle.current().pid())
            .toAbsolutePath();
    cluster = ClusterProcesses.start(dir, 2, 2);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static GenerationGrpc.GenerationBlockingStub blocking(int gateway) {
    return GenerationGrpc.newBlockingStub(cluster.gateway(gateway))
        .withDeadlineAfter(Duration.ofSeconds(30));
  }

  private static GenerationGrpc.GenerationStub async(int gateway) {
    return GenerationGrpc.newStub(cluster.gateway(gateway));
  }

  private static GenerateRequest request(
      String id, Modality modality, int side, int count, int steps) {
    Geometry.Builder g = Geometry.newBuilder().setWidth(side).setHeight(side);
    if (modality == Modality.VIDEO) {
      g.setFrames(count);
    } else if (modality == Modality.MULTIVIEW) {
      g.setViews(count);
    }
    return GenerateRequest.newBuilder()
        .setRequestId(id)
        .setPrompt("a red square on a blue field")
        .setModality(modality)
        .setGeometry(g)
        .setSampling(Sampling.newBuilder().setSteps(steps).setSeed(7))
        .build();
  }

  private static String expectedTopic(GenerateRequest r) {
    Geometry g = r.getGeometry();
    long tokens =
        BUDGET.tokens(r.getModality(), g.getWidth(), g.getHeight(), g.getFrames(), g.getViews(), 0);
    return Topics.work(r.getModality(), Tiers.defaults().tierFor(tokens).orElseThrow().name());
  }

  private static ChunkRecorder generate(int gateway, GenerateRequest r) {
    ChunkRecorder rec = new ChunkRecorder();
    async(gateway).generate(r, rec);
    return rec;
  }

  /** Seq 1, 2, 3, ... with accepted first and exactly one terminal chunk, last. */
  private static void assertOrderedStream(ChunkRecorder rec) {
    List<GenerationChunk> chunks = rec.chunks();
    for (int i = 0; i < chunks.size(); i++) {
      assertThat(chunks.get(i).getSeq())
          .as("seq of chunk %d of %s", i, rec.jobId())
          .isEqualTo(i + 1L);
    }
    assertThat(chunks.get(0).hasAccepted()).isTrue();
    assertThat(chunks.stream().filter(c -> c.hasCompleted() || c.hasFailed()).count()).isEqualTo(1);
    GenerationChunk last = chunks.get(chunks.size() - 1);
    assertThat(last.hasCompleted() || last.hasFailed()).isTrue();
  }

  @Test
  @Order(1)
  void twentyConcurrentMixedRequestsOnTwoGatewaysAllCompleteInOrderEachOnItsTopic()
      throws Exception {
    List<GenerateRequest> requests = new ArrayList<>();
    Modality[] modalities = {Modality.IMAGE, Modality.VIDEO, Modality.MULTIVIEW};
    for (int i = 0; i < 20; i++) {
      Modality m = modalities[i % 3];
      // Every fifth job is tier m: 4 frames/views of 64x64 (4 228 tokens) or a 144x144 image (5
      // 256).
      boolean large = i % 5 == 4;
      int side = large ? (m == Modality.IMAGE ? 144 : 64) : 32;
      requests.add(request("mixed-" + i, m, side, large ? 4 : 2, 2));
    }
    List<ChunkRecorder> streams = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      streams.add(generate(i % 2, requests.get(i)));
    }
    for (ChunkRecorder s : streams) {
      assertThat(s.awaitDone(JOB_WAIT)).as("stream ended; logs:\n%s", cluster.logs()).isTrue();
    }
    Map<String, List<TopicPartition>> placed = WorkPlacements.all(cluster.bootstrap());
    for (int i = 0; i < requests.size(); i++) {
      ChunkRecorder s = streams.get(i);
      assertThat(s.status().getCode())
          .as("status of %s", requests.get(i).getRequestId())
          .isEqualTo(Status.Code.OK);
      assertOrderedStream(s);
      List<GenerationChunk> chunks = s.chunks();
      assertThat(chunks.get(chunks.size() - 1).getCompleted().getArtifactsList()).isNotEmpty();
      // Two grid points are one sampling step.
      assertThat(
              chunks.stream()
                  .filter(GenerationChunk::hasProgress)
                  .map(c -> c.getProgress().getStep()))
          .containsExactly(1);
      String topic = expectedTopic(requests.get(i));
      assertThat(Topics.work(requests.get(i).getModality(), chunks.get(0).getAccepted().getTier()))
          .isEqualTo(topic);
      assertThat(placed.get(s.jobId())).extracting(TopicPartition::topic).containsExactly(topic);
    }
    assertThat(placed.values().stream().flatMap(List::stream).map(TopicPartition::topic).distinct())
        .contains("lumina.work.image.m", "lumina.work.video.m", "lumina.work.multiview.s");
  }

  @Test
  @Order(2)
  void cancelFromTheOtherGatewayStopsARunningJobAtTheNextStep() throws Exception {
    ChunkRecorder rec =
        generate(0, request("cancel-mid-run", Modality.IMAGE, 96, 0, ProcsModel.MAX_STEPS));
    assertThat(rec.awaitProgress(JOB_WAIT))
        .as("first progress; logs:\n%s", cluster.logs())
        .isTrue();
    Job job = blocking(1).cancel(CancelRequest.newBuilder().setJobId(rec.jobId()).build());
    assertThat(job.getJobId()).isEqualTo(rec.jobId());
    assertThat(rec.awaitDone(JOB_WAIT)).isTrue();
    assertThat(rec.status().getCode()).isEqualTo(Status.Code.CANCELLED);
    assertOrderedStream(rec);
    List<GenerationChunk> chunks = rec.chunks();
    assertThat(chunks.get(chunks.size() - 1).getFailed().getCode()).isEqualTo("CANCELLED");
    assertThat(
            chunks.stream()
                .filter(GenerationChunk::hasProgress)
                .mapToInt(c -> c.getProgress().getStep())
                .max()
                .orElseThrow())
        .isLessThan(ProcsModel.MAX_STEPS);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                blocking(1)
                        .getJob(GetJobRequest.newBuilder().setJobId(rec.jobId()).build())
                        .getState()
                    == JobState.CANCELLED);
  }

  @Test
  @Order(3)
  void aJobStillQueuedAtItsDeadlineEndsWithDeadlineExceededAndNeverReachesAWorkTopic()
      throws Exception {
    // No worker serves tier l: two jobs fill the topic's release window, the third waits in the
    // scheduler.
    for (int i = 0; i < 2; i++) {
      Job blocker =
          blocking(0)
              .submit(
                  request("blocker-" + i, Modality.IMAGE, 256, 0, 2).toBuilder()
                      .setGeometry(Geometry.newBuilder().setWidth(384).setHeight(256))
                      .build());
      assertThat(blocker.getTier()).isEqualTo("l");
      await()
          .atMost(JOB_WAIT)
          .until(() -> WorkPlacements.all(cluster.bootstrap()).containsKey(blocker.getJobId()));
    }
    ChunkRecorder rec =
        generate(
            1,
            request("deadline", Modality.IMAGE, 256, 0, 2).toBuilder()
                .setGeometry(Geometry.newBuilder().setWidth(384).setHeight(256))
                .setMaxQueueMs(300)
                .build());
    assertThat(rec.awaitDone(JOB_WAIT)).isTrue();
    assertThat(rec.status().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertOrderedStream(rec);
    assertThat(rec.chunks().get(rec.chunks().size() - 1).getFailed().getCode())
        .isEqualTo("DEADLINE_EXCEEDED");
    assertThat(WorkPlacements.all(cluster.bootstrap())).doesNotContainKey(rec.jobId());
  }

  @Test
  @Order(4)
  void resubmittingOnTheOtherGatewayReturnsTheSameJobWhichRunsOnce() throws Exception {
    GenerateRequest req = request("idempotent-1", Modality.IMAGE, 32, 0, 2);
    Job first = blocking(0).submit(req);
    await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
        .until(
            () ->
                blocking(1).getJob(GetJobRequest.newBuilder().setJobId(first.getJobId()).build())
                    != null);
    Job second = blocking(1).submit(req);
    assertThat(second.getJobId()).isEqualTo(first.getJobId());
    assertThatThrownBy(
            () -> blocking(1).submit(req.toBuilder().setPrompt("a green circle").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));
    ChunkRecorder watch = new ChunkRecorder();
    async(1).watch(WatchRequest.newBuilder().setJobId(first.getJobId()).build(), watch);
    assertThat(watch.awaitDone(JOB_WAIT)).isTrue();
    assertThat(watch.status().getCode()).isEqualTo(Status.Code.OK);
    assertThat(watch.completedCount()).isEqualTo(1);
    assertThat(WorkPlacements.all(cluster.bootstrap()).get(first.getJobId())).hasSize(1);
  }

  @Test
  @Order(5)
  void badRequestsGetInvalidArgumentNamingTheFieldAndTheLimit() {
    assertInvalid(
        request("bad-width", Modality.IMAGE, 32, 0, 2).toBuilder()
            .setGeometry(Geometry.newBuilder().setWidth(33).setHeight(32))
            .build(),
        "width");
    assertInvalid(
        request("bad-steps", Modality.IMAGE, 32, 0, ProcsModel.MAX_STEPS + 1),
        "steps",
        String.valueOf(ProcsModel.MAX_STEPS));
    assertInvalid(
        request("bad-prompt", Modality.IMAGE, 32, 0, 2).toBuilder()
            .setPrompt("x".repeat(ProcsModel.MAX_PROMPT_BYTES + 1))
            .build(),
        "prompt",
        String.valueOf(ProcsModel.MAX_PROMPT_BYTES));
    // Above the gateway's 256 KiB limit but under the transport's: the gateway's own error, not
    // RESOURCE_EXHAUSTED.
    assertInvalid(
        request("too-big", Modality.IMAGE, 32, 0, 2).toBuilder()
            .setPrompt("x".repeat(300 * 1024))
            .build(),
        "max-message-bytes",
        "262144");
    assertThat(WorkPlacements.all(cluster.bootstrap()).keySet())
        .noneMatch(id -> id.contains("bad-"));
  }

  private static void assertInvalid(GenerateRequest r, String... mentions) {
    for (int gw = 0; gw < 2; gw++) {
      int g = gw;
      assertThatThrownBy(() -> blocking(g).submit(r))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(e.getStatus().getDescription()).contains(mentions);
              });
    }
  }

  @Test
  @Order(6)
  void aWorkerKilledMidJobLosesNothingTheJobIsRedeliveredAndTheClientGetsOneCompleted()
      throws Exception {
    ChunkRecorder rec = generate(0, request("killed-mid-job", Modality.IMAGE, 96, 0, 24));
    assertThat(rec.awaitProgress(JOB_WAIT))
        .as("first progress; logs:\n%s", cluster.logs())
        .isTrue();
    TopicPartition tp = WorkPlacements.all(cluster.bootstrap()).get(rec.jobId()).get(0);
    String victim = WorkPlacements.owner(cluster.bootstrap(), tp);
    assertThat(victim).as("owner of %s", tp).isNotNull();
    RoleProcess killed = cluster.workers().get(victim);
    killed.kill();
    assertThat(killed.isAlive()).isFalse();
    assertThat(rec.isDone()).as("job still running when its worker died").isFalse();
    String survivor =
        cluster.workers().keySet().stream()
            .filter(id -> !id.equals(victim))
            .findFirst()
            .orElseThrow();

    // The dead member's partitions move after its session times out (10 s, the worker's default).
    assertThat(rec.awaitDone(Duration.ofSeconds(90)))
        .as("job completed; logs:\n%s", cluster.logs())
        .isTrue();
    assertThat(rec.status().getCode()).isEqualTo(Status.Code.OK);
    assertOrderedStream(rec);
    assertThat(rec.completedCount()).isEqualTo(1);
    List<GenerationChunk> chunks = rec.chunks();
    assertThat(chunks.get(chunks.size() - 1).getCompleted().getArtifacts(0).getUri())
        .contains(cluster.artifacts(survivor).toString());
    assertThat(Files.isDirectory(cluster.artifacts(survivor).resolve(rec.jobId()))).isTrue();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                blocking(1)
                        .getJob(GetJobRequest.newBuilder().setJobId(rec.jobId()).build())
                        .getState()
                    == JobState.SUCCEEDED);
  }
}

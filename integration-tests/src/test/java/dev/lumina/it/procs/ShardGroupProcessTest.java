package dev.lumina.it.procs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lumina.proto.JobStates;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Sampling;
import io.grpc.Status;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * A shard group of two worker processes started with the contract flags ({@code --group-size 2
 * --rank R --leader HOST:PORT --parallel cfg=2}) behind a real gateway, scheduler and broker: the
 * leader, serving tier {@code l} alone, takes the {@code l} jobs and an ordinary worker (tiers
 * {@code s,m}) never does; the group's picture equals a single worker's for the same request; a
 * follower SIGKILLed mid-job ends the leader with exit code 3 (within the collective deadline), and
 * once both ranks are started again the group re-forms and the job, delivered again, completes
 * exactly once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShardGroupProcessTest {
  /** Tier bounds small enough that a 64×64 picture (32×33 tokens) is an {@code l} job. */
  private static final String TIERS = "s=512,m=768,l=4096,xl=131072";

  private static final Duration JOB_WAIT = Duration.ofSeconds(180);
  private static ClusterProcesses cluster;
  private static int groups;
  private static RoleProcess leader;
  private static List<RoleProcess> followers = new java.util.ArrayList<>();
  private static BufferedImage reference;

  @BeforeAll
  static void startCluster() throws Exception {
    Path dir =
        Path.of(System.getProperty("lumina.it.procs.dir", "target/procs"))
            .resolve("shard-group-" + ProcessHandle.current().pid())
            .toAbsolutePath();
    cluster = ClusterProcesses.start(dir, 1, 0, TIERS);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static GenerateRequest request(String id, int steps) {
    return GenerateRequest.newBuilder()
        .setRequestId(id)
        .setPrompt("a red square on a blue field")
        .setGeometry(Geometry.newBuilder().setWidth(64).setHeight(64))
        .setSampling(Sampling.newBuilder().setSteps(steps).setCfgScale(3f).setSeed(4321))
        .build();
  }

  private static ChunkRecorder generate(GenerateRequest r) {
    ChunkRecorder rec = new ChunkRecorder();
    GenerationGrpc.newStub(cluster.gateway(0)).generate(r, rec);
    return rec;
  }

  private static ChunkRecorder finished(GenerateRequest r) throws InterruptedException {
    ChunkRecorder rec = generate(r);
    assertThat(rec.awaitDone(JOB_WAIT))
        .as("job %s; logs:\n%s", r.getRequestId(), cluster.logs())
        .isTrue();
    assertThat(rec.status().getCode()).as(cluster.logs()).isEqualTo(Status.Code.OK);
    return rec;
  }

  /** The job's picture, read from the artifact its worker stored. */
  private static BufferedImage picture(ChunkRecorder rec) throws Exception {
    GenerationChunk done = rec.chunks().get(rec.chunks().size() - 1);
    String uri = done.getCompleted().getArtifacts(0).getUri();
    BufferedImage img = ImageIO.read(Path.of(URI.create(uri)).toFile());
    assertThat(img).as("PNG at %s", uri).isNotNull();
    return img;
  }

  private static String tier(ChunkRecorder rec) {
    return rec.chunks().stream()
        .filter(GenerationChunk::hasAccepted)
        .findFirst()
        .orElseThrow()
        .getAccepted()
        .getTier();
  }

  /** The worker folder a job's artifact was written to. */
  private static String writer(ChunkRecorder rec) {
    GenerationChunk done = rec.chunks().get(rec.chunks().size() - 1);
    String uri = done.getCompleted().getArtifacts(0).getUri();
    for (String id : cluster.workers().keySet()) {
      if (uri.contains("/" + id + "-artifacts/")) {
        return id;
      }
    }
    throw new AssertionError("no worker wrote " + uri);
  }

  /** Starts every rank of a fresh cfg=2 group; returns once all serve. */
  private static void startGroup() {
    startGroup("cfg=2", 2);
  }

  /** Starts every rank of a fresh group laid out as {@code parallel}; returns once all serve. */
  private static void startGroup(String parallel, int size) {
    int port = ClusterProcesses.freePort();
    int n = groups++;
    List<String> common =
        List.of(
            "--group-size",
            Integer.toString(size),
            "--parallel",
            parallel,
            "--shard-host",
            "127.0.0.1",
            "--shard-bind",
            "127.0.0.1",
            "--collective-timeout",
            "20",
            "--formation-timeout",
            "120");
    List<String> lead = new java.util.ArrayList<>(common);
    lead.addAll(
        List.of(
            "--rank",
            "0",
            "--shard-port",
            Integer.toString(port),
            "--tiers",
            "l",
            "--group",
            "lumina-workers-l",
            "--session-timeout",
            "6"));
    String leaderId = "group-leader-" + n;
    leader = cluster.startWorker(leaderId, cluster.artifacts(leaderId), lead);
    followers = new java.util.ArrayList<>();
    for (int r = 1; r < size; r++) {
      List<String> follow = new java.util.ArrayList<>(common);
      follow.addAll(
          List.of(
              "--rank", Integer.toString(r), "--leader", "127.0.0.1:" + port, "--shard-port", "0"));
      String followerId = "group-follower-" + n + "-" + r;
      followers.add(cluster.startWorker(followerId, cluster.artifacts(followerId), follow));
    }
    followers.forEach(ClusterProcesses::awaitWorker);
    ClusterProcesses.awaitWorker(leader);
  }

  private static int worstChannelDifference(BufferedImage a, BufferedImage b) {
    assertThat(b.getWidth()).isEqualTo(a.getWidth());
    assertThat(b.getHeight()).isEqualTo(a.getHeight());
    int worst = 0;
    for (int y = 0; y < a.getHeight(); y++) {
      for (int x = 0; x < a.getWidth(); x++) {
        int p = a.getRGB(x, y);
        int q = b.getRGB(x, y);
        for (int shift = 0; shift <= 16; shift += 8) {
          worst = Math.max(worst, Math.abs(((p >> shift) & 0xff) - ((q >> shift) & 0xff)));
        }
      }
    }
    return worst;
  }

  @Test
  @Order(1)
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void theGroupServesTierLAndDrawsTheSingleWorkersPicture() throws Exception {
    // The reference: one ordinary worker serving every tier.
    RoleProcess single =
        cluster.startWorker("single", cluster.artifacts("single"), List.of("--tiers", "s,m,l,xl"));
    ClusterProcesses.awaitWorker(single);
    cluster.awaitModel();
    ChunkRecorder alone = finished(request("group-reference", 6));
    assertThat(tier(alone)).isEqualTo("l");
    single.close();
    await().atMost(Duration.ofSeconds(60)).until(() -> !single.isAlive());

    RoleProcess plain = cluster.startWorker("plain", cluster.artifacts("plain"), List.of());
    ClusterProcesses.awaitWorker(plain);
    startGroup();
    ChunkRecorder sharded = finished(request("group-run", 6));
    ChunkRecorder small =
        finished(
            request("group-small", 2).toBuilder()
                .setGeometry(Geometry.newBuilder().setWidth(32).setHeight(32))
                .build());

    assertThat(writer(sharded)).as("who ran the l job").isEqualTo(leader.name());
    assertThat(tier(small)).isEqualTo("s");
    assertThat(writer(small)).as("who ran the s job").isEqualTo("plain");
    assertThat(plain.output()).doesNotContain("group-run");

    reference = picture(alone);
    assertThat(reference.getWidth()).isEqualTo(64);
    int worst = worstChannelDifference(reference, picture(sharded));
    assertThat(worst).as("largest channel difference out of 255").isLessThanOrEqualTo(1);
    System.out.printf(
        "2-process shard group (cfg=2): 64x64, 6 steps, largest channel difference to one worker"
            + " %d/255%n",
        worst);
  }

  @Test
  @Order(2)
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void aFollowerKilledMidJobEndsTheGroupAndTheJobCompletesOnceAfterItReforms() throws Exception {
    if (leader == null || !leader.isAlive()) {
      startGroup();
    }
    ChunkRecorder rec = generate(request("group-fault", ProcsModel.MAX_STEPS));
    await()
        .atMost(JOB_WAIT)
        .pollInterval(Duration.ofMillis(5))
        .until(
            () ->
                rec.isDone()
                    || rec.chunks().stream()
                        .anyMatch(c -> c.hasProgress() && c.getProgress().getStep() >= 5));
    assertThat(rec.isDone()).as("the job ended before the follower was killed").isFalse();
    long killed = System.nanoTime();
    followers.get(0).kill();
    int code = leader.awaitExit(Duration.ofSeconds(60));
    double leaderGone = (System.nanoTime() - killed) / 1e9;
    assertThat(code).as("leader's exit code; its log:\n%s", leader.tail(30)).isEqualTo(3);
    assertThat(leader.output()).contains("lost during a job");

    startGroup();
    assertThat(rec.awaitDone(JOB_WAIT)).as("logs:\n%s", cluster.logs()).isTrue();
    assertThat(rec.status().getCode()).isEqualTo(Status.Code.OK);
    assertThat(rec.completedCount()).as("completed chunks").isEqualTo(1);
    assertThat(writer(rec)).isEqualTo(leader.name());
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              List<JobEvent> events = EventLog.byJob(cluster.bootstrap()).get(rec.jobId());
              assertThat(events.stream().filter(e -> JobStates.isTerminal(e.getState())))
                  .as("terminal events of %s", rec.jobId())
                  .hasSize(1);
            });
    System.out.printf(
        "follower SIGKILLed at step >= 5 of %d: leader exited (code 3) %.1f s later; the group"
            + " re-formed and the job completed once%n",
        ProcsModel.MAX_STEPS - 1, leaderGone);
  }

  @Test
  @Order(3)
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void threeProcessesPassingKeysAndValuesAroundARingDrawTheSamePicture() throws Exception {
    assertThat(reference).as("the first test's single-worker picture").isNotNull();
    leader.close();
    followers.forEach(RoleProcess::close);
    // 1056 tokens over 3 ranks: an uneven split, padded.
    startGroup("ring=3", 3);
    ChunkRecorder ring = finished(request("group-ring", 6));
    assertThat(writer(ring)).isEqualTo(leader.name());
    int worst = worstChannelDifference(reference, picture(ring));
    assertThat(worst).as("largest channel difference out of 255").isLessThanOrEqualTo(1);
    System.out.printf(
        "3-process shard group (ring=3): largest channel difference to one worker %d/255%n", worst);
  }
}

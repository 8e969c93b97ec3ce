package dev.lumina.it.procs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lumina.proto.JobStates;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Sampling;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Workers with {@code --checkpoint-every} on one shared artifact store: a job whose worker is
 * SIGKILLed mid-job, twenty times over, is redelivered, continues from its newest checkpoint on
 * another worker (fewer steps run again than the job has) and ends once, with the same image bytes
 * as an uninterrupted run of the same seed.
 */
@Tag("processes")
class WorkerCheckpointProcessTest {
  private static final int ROUNDS = 20;
  private static final int STEPS = 161; // 160 solver steps
  private static final int KILL_AFTER_STEP = 25;
  private static final Duration JOB_WAIT = Duration.ofSeconds(120);
  private static ClusterProcesses cluster;
  private static Path shared;
  private static int started;

  @BeforeAll
  static void startCluster() throws Exception {
    Path dir =
        Path.of(System.getProperty("lumina.it.procs.dir", "target/procs"))
            .resolve("checkpoints-" + ProcessHandle.current().pid())
            .toAbsolutePath();
    cluster = ClusterProcesses.start(dir, 1, 0);
    shared = dir.resolve("shared-artifacts");
    startWorker();
    startWorker();
    cluster.awaitModel();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static RoleProcess startWorker() {
    RoleProcess w =
        cluster.startWorker(
            "ckpt-worker-" + (started++),
            shared,
            List.of("--checkpoint-every", "10", "--session-timeout", "6"));
    ClusterProcesses.awaitWorker(w);
    return w;
  }

  private static GenerateRequest request(String id) {
    return GenerateRequest.newBuilder()
        .setRequestId(id)
        .setPrompt("a red square on a blue field")
        .setGeometry(Geometry.newBuilder().setWidth(64).setHeight(64))
        .setSampling(Sampling.newBuilder().setSteps(STEPS).setSeed(7))
        .build();
  }

  private static ChunkRecorder generate(GenerateRequest r) {
    ChunkRecorder rec = new ChunkRecorder();
    GenerationGrpc.newStub(cluster.gateway(0)).generate(r, rec);
    return rec;
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES) // 20 rounds, each waits out a 6 s session timeout
  void jobsWhoseWorkerIsKilledContinueFromTheirCheckpointWithTheSameResult() throws Exception {
    ChunkRecorder reference = generate(request("ckpt-reference"));
    assertThat(reference.awaitDone(JOB_WAIT))
        .as("reference job; logs:\n%s", cluster.logs())
        .isTrue();
    assertThat(reference.status().getCode()).isEqualTo(Status.Code.OK);
    String expected = reference.completedSha256();

    List<String> jobIds = new ArrayList<>();
    List<Integer> recomputed = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      ChunkRecorder rec = generate(request("ckpt-kill-" + round));
      await()
          .atMost(JOB_WAIT)
          .pollInterval(Duration.ofMillis(5))
          .until(() -> rec.lastStep() >= KILL_AFTER_STEP || rec.isDone());
      assertThat(rec.isDone()).as("round %d: job still running when killed", round).isFalse();
      TopicPartition tp = WorkPlacements.all(cluster.bootstrap()).get(rec.jobId()).get(0);
      String victim = WorkPlacements.owner(cluster.bootstrap(), tp);
      assertThat(victim).as("owner of %s", tp).isNotNull();
      cluster.workers().get(victim).kill();
      int killedAt = rec.lastStep();
      startWorker();

      assertThat(rec.awaitDone(JOB_WAIT)).as("round %d; logs:\n%s", round, cluster.logs()).isTrue();
      assertThat(rec.status().getCode()).isEqualTo(Status.Code.OK);
      assertThat(rec.completedCount()).as("completed chunks").isEqualTo(1);
      assertThat(rec.completedSha256())
          .as("round %d: the uninterrupted run's image", round)
          .isEqualTo(expected);
      int resumedAfter = resumedStep(rec.jobId());
      assertThat(resumedAfter)
          .as("round %d: continued from a checkpoint written before the kill", round)
          .isBetween(10, killedAt);
      recomputed.add(Math.max(0, killedAt - resumedAfter));
      jobIds.add(rec.jobId());
    }

    // A client may see its completed chunk (pushed over ChunkSink) just before the worker's
    // terminal event is committed.
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              Map<String, List<JobEvent>> events = EventLog.byJob(cluster.bootstrap());
              for (String id : jobIds) {
                assertThat(
                        events.getOrDefault(id, List.of()).stream()
                            .filter(e -> JobStates.isTerminal(e.getState())))
                    .as("terminal events of %s", id)
                    .hasSize(1);
              }
            });
    int total = recomputed.stream().mapToInt(Integer::intValue).sum();
    System.out.printf(
        "%d workers SIGKILLed mid-job: 0 lost, 0 duplicate completed, every job resumed from its"
            + " checkpoint; steps run twice: %d in all, max %d per job (of %d), image identical to"
            + " the uninterrupted run%n",
        ROUNDS, total, recomputed.stream().mapToInt(Integer::intValue).max().orElse(0), STEPS - 1);
  }

  /** The step after which a worker's log says it continued {@code jobId} from its checkpoint. */
  private static int resumedStep(String jobId) {
    Pattern p =
        Pattern.compile(
            "job " + Pattern.quote(jobId) + ": continuing from its checkpoint after step (\\d+)");
    for (RoleProcess w : cluster.workers().values()) {
      Matcher m = p.matcher(w.output());
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
    }
    throw new AssertionError(
        "no worker continued " + jobId + " from a checkpoint:\n" + cluster.logs());
  }
}

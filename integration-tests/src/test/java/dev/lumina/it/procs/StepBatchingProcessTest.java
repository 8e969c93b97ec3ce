package dev.lumina.it.procs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lumina.proto.JobStates;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.v1.CancelRequest;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.proto.v1.Solver;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One {@code lumina worker} with its default step-level continuous batching, behind a real gateway,
 * scheduler and broker: jobs with different solvers, step counts, guidance scales and prompts, the
 * later ones joining while the first runs, run at the same time and each returns the image bytes it
 * returns alone; a job cancelled among them ends CANCELLED at once; every job ends exactly once on
 * {@code lumina.events}.
 */
class StepBatchingProcessTest {
  private static final Duration JOB_WAIT = Duration.ofSeconds(180);
  private static ClusterProcesses cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    Path dir =
        Path.of(System.getProperty("lumina.it.procs.dir", "target/procs"))
            .resolve("step-batching-" + ProcessHandle.current().pid())
            .toAbsolutePath();
    cluster = ClusterProcesses.start(dir, 1, 1);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static GenerateRequest request(
      String id, String prompt, Solver solver, int steps, float cfg, long seed) {
    return GenerateRequest.newBuilder()
        .setRequestId(id)
        .setPrompt(prompt)
        .setGeometry(Geometry.newBuilder().setWidth(32).setHeight(32))
        .setSampling(
            Sampling.newBuilder().setSolver(solver).setSteps(steps).setCfgScale(cfg).setSeed(seed))
        .build();
  }

  private static final List<GenerateRequest> JOBS =
      List.of(
          // Long enough (199 steps) that the others, submitted at its step 3, start while it runs.
          request(
              "sb-euler",
              "a red square on a blue field",
              Solver.EULER,
              ProcsModel.MAX_STEPS,
              3f,
              1),
          request("sb-midpoint", "a green circle", Solver.MIDPOINT, 9, 1f, 2),
          request("sb-rk4", "a red square on a blue field", Solver.RK4, 6, 5f, 3),
          request("sb-euler-2", "a green circle", Solver.EULER, 17, 2f, 4));

  private static ChunkRecorder generate(GenerateRequest r) {
    ChunkRecorder rec = new ChunkRecorder();
    GenerationGrpc.newStub(cluster.gateway(0)).generate(r, rec);
    return rec;
  }

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void jobsRunningTogetherReturnTheBytesTheyReturnAlone() throws Exception {
    List<String> alone = new ArrayList<>();
    for (GenerateRequest r : JOBS) {
      ChunkRecorder rec = generate(r.toBuilder().setRequestId(r.getRequestId() + "-alone").build());
      assertThat(rec.awaitDone(JOB_WAIT)).as("logs:\n%s", cluster.logs()).isTrue();
      assertThat(rec.status().getCode()).isEqualTo(Status.Code.OK);
      alone.add(rec.completedSha256());
    }

    List<ChunkRecorder> together = new ArrayList<>();
    together.add(generate(JOBS.get(0)));
    ChunkRecorder first = together.get(0);
    await().atMost(JOB_WAIT).pollInterval(Duration.ofMillis(2)).until(() -> first.lastStep() >= 3);
    for (int i = 1; i < JOBS.size(); i++) {
      together.add(generate(JOBS.get(i)));
    }
    ChunkRecorder cancelled =
        generate(
            request("sb-cancelled", "a green circle", Solver.EULER, ProcsModel.MAX_STEPS, 3f, 9));
    await()
        .atMost(JOB_WAIT)
        .pollInterval(Duration.ofMillis(2))
        .until(() -> cancelled.lastStep() >= 2 || cancelled.isDone());
    GenerationGrpc.newBlockingStub(cluster.gateway(0))
        .cancel(CancelRequest.newBuilder().setJobId(cancelled.jobId()).build());

    assertThat(first.awaitDone(JOB_WAIT)).as("logs:\n%s", cluster.logs()).isTrue();
    // Run one at a time, the others would not have started before the first ended.
    long startedMeanwhile = together.stream().skip(1).filter(r -> r.lastStep() > 0).count();
    assertThat(startedMeanwhile).as("jobs that made progress while the first ran").isEqualTo(3);
    for (int i = 0; i < JOBS.size(); i++) {
      ChunkRecorder rec = together.get(i);
      assertThat(rec.awaitDone(JOB_WAIT)).as("logs:\n%s", cluster.logs()).isTrue();
      assertThat(rec.status().getCode()).isEqualTo(Status.Code.OK);
      assertThat(rec.completedCount()).isEqualTo(1);
      assertThat(rec.completedSha256())
          .as("%s, with company", JOBS.get(i).getRequestId())
          .isEqualTo(alone.get(i));
    }
    assertThat(cancelled.awaitDone(JOB_WAIT)).isTrue();
    assertThat(cancelled.status().getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(cancelled.lastStep()).isLessThan(ProcsModel.MAX_STEPS - 1);

    List<String> ids = new ArrayList<>();
    together.forEach(r -> ids.add(r.jobId()));
    ids.add(cancelled.jobId());
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              Map<String, List<JobEvent>> events = EventLog.byJob(cluster.bootstrap());
              for (String id : ids) {
                assertThat(
                        events.getOrDefault(id, List.of()).stream()
                            .filter(e -> JobStates.isTerminal(e.getState())))
                    .as("terminal events of %s", id)
                    .hasSize(1);
              }
            });
    RoleProcess worker = cluster.workers().values().iterator().next();
    assertThat(worker.output()).contains("step batching 8192 tokens, up to 8 jobs");
  }
}

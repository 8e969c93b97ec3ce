package dev.lumina.it.procs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lumina.proto.JobStates;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.GetJobRequest;
import dev.lumina.proto.v1.JobState;
import dev.lumina.proto.v1.Sampling;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The scheduler SIGKILLed twice while jobs stream in (its transactions of placements, events and
 * consumed offsets cut at random points) and restarted with the same instance id: every accepted
 * job is placed exactly once on a work topic and ends exactly once.
 */
@Tag("processes")
class SchedulerCrashTest {
  private static final int JOBS = 60;
  private static ClusterProcesses cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    Path dir =
        Path.of(System.getProperty("lumina.it.procs.dir", "target/procs"))
            .resolve("scheduler-crash-" + ProcessHandle.current().pid())
            .toAbsolutePath();
    cluster = ClusterProcesses.start(dir, 1, 1);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static GenerationGrpc.GenerationBlockingStub gateway() {
    return GenerationGrpc.newBlockingStub(cluster.gateway(0))
        .withDeadlineAfter(Duration.ofSeconds(20));
  }

  @Test
  void killedMidTransactionTheSchedulerPlacesNoJobTwiceAndLosesNone() throws Exception {
    Map<Integer, String> jobIds = new ConcurrentHashMap<>();
    CountDownLatch first = new CountDownLatch(JOBS / 4);
    CountDownLatch second = new CountDownLatch(JOBS * 3 / 5);
    CountDownLatch all = new CountDownLatch(JOBS);
    ScheduledExecutorService pool = Executors.newScheduledThreadPool(8);
    try {
      for (int i = 0; i < JOBS; i++) {
        int n = i;
        pool.schedule(
            () -> {
              GenerateRequest r =
                  GenerateRequest.newBuilder()
                      .setRequestId("sched-crash-" + n)
                      .setPrompt("a red square on a blue field")
                      .setSampling(Sampling.newBuilder().setSteps(2).setSeed(n))
                      .build();
              jobIds.put(n, gateway().submit(r).getJobId());
              first.countDown();
              second.countDown();
              all.countDown();
            },
            n * 60L,
            TimeUnit.MILLISECONDS);
      }
      assertThat(first.await(60, TimeUnit.SECONDS)).isTrue();
      cluster.killScheduler();
      cluster.restartScheduler();
      assertThat(second.await(60, TimeUnit.SECONDS)).isTrue();
      cluster.killScheduler();
      cluster.restartScheduler();
      assertThat(all.await(60, TimeUnit.SECONDS)).as("every submission accepted").isTrue();
    } finally {
      pool.shutdownNow();
    }

    await()
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
        .untilAsserted(
            () ->
                assertThat(jobIds.values())
                    .allSatisfy(
                        id ->
                            assertThat(
                                    gateway()
                                        .getJob(GetJobRequest.newBuilder().setJobId(id).build())
                                        .getState())
                                .as(id)
                                .isEqualTo(JobState.SUCCEEDED)));
    Map<String, List<TopicPartition>> placements = WorkPlacements.all(cluster.bootstrap());
    for (String id : jobIds.values()) {
      assertThat(placements.getOrDefault(id, List.of())).as("placements of %s", id).hasSize(1);
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              Map<String, List<JobEvent>> events = EventLog.byJob(cluster.bootstrap());
              for (String id : jobIds.values()) {
                assertThat(
                        events.getOrDefault(id, List.of()).stream()
                            .filter(e -> JobStates.isTerminal(e.getState())))
                    .as("terminal events of %s", id)
                    .hasSize(1);
              }
            });
    System.out.printf(
        "scheduler SIGKILLed twice under %d submissions: each job placed once, ended once%n", JOBS);
  }
}

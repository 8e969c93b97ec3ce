package dev.lumina.it.procs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lumina.proto.JobStates;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.GetJobRequest;
import dev.lumina.proto.v1.Job;
import dev.lumina.proto.v1.JobState;
import dev.lumina.proto.v1.Sampling;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The broker goes away in the middle of 100 submissions (SIGTERM, then in a second round SIGKILL)
 * and comes back on the same data: every submission answers OK or UNAVAILABLE (never hangs), an
 * UNAVAILABLE one retried with its request_id is accepted, and then every job ends exactly once —
 * one terminal event each on lumina.events, none left QUEUED.
 *
 * <p>Both rounds guard the embedded broker's restarts. A single node used to leave a scheduler
 * transaction open for good when its partitions lost their leader while the transaction was being
 * completed (Kafka 4.4's marker sender drops the markers of a leaderless partition): SIGTERM hit it
 * in the controlled shutdown, SIGKILL in the seconds after the restart when the broker acted on its
 * stale leadership until the controller fenced its old registration. The last stable offsets of
 * those partitions then stopped and the scheduler's offset commit in it stayed pending, so the
 * scheduler read no request, the worker took nothing and every job stayed QUEUED. The broker now
 * stops without a controlled shutdown and fences its old registration before it starts (see {@code
 * StaleRegistrationFence}). When jobs do not end, the failure quotes the broker's transactions,
 * last stable offsets and group offsets ({@link KafkaState}) and every role's log.
 */
@Tag("processes")
class BrokerOutageTest {
  private static final int JOBS = 100;
  private static final Duration SUBMIT_EVERY = Duration.ofMillis(40);
  private static ClusterProcesses cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    Path dir =
        Path.of(System.getProperty("lumina.it.procs.dir", "target/procs"))
            .resolve("outage-" + ProcessHandle.current().pid())
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

  private static GenerateRequest request(String id) {
    return GenerateRequest.newBuilder()
        .setRequestId(id)
        .setPrompt("a red square on a blue field")
        .setSampling(Sampling.newBuilder().setSteps(2).setSeed(7))
        .build();
  }

  private record Answer(Status.Code code, long millis, String jobId) {}

  @ParameterizedTest(name = "broker {0}")
  @ValueSource(strings = {"SIGTERM", "SIGKILL"})
  void everyAcceptedOrRetriedJobEndsExactlyOnce(String signal) throws Exception {
    String prefix = "outage-" + signal + "-";
    Map<Integer, Answer> first = new ConcurrentHashMap<>();
    CountDownLatch beforeOutage = new CountDownLatch(JOBS * 3 / 10);
    CountDownLatch all = new CountDownLatch(JOBS);
    ScheduledExecutorService pool = Executors.newScheduledThreadPool(16);
    try {
      for (int i = 0; i < JOBS; i++) {
        int n = i;
        pool.schedule(
            () -> {
              long t0 = System.nanoTime();
              Answer a;
              try {
                Job j = gateway().submit(request(prefix + n));
                a = new Answer(Status.Code.OK, ms(t0), j.getJobId());
              } catch (StatusRuntimeException e) {
                a = new Answer(e.getStatus().getCode(), ms(t0), null);
              }
              first.put(n, a);
              beforeOutage.countDown();
              all.countDown();
            },
            i * SUBMIT_EVERY.toMillis(),
            TimeUnit.MILLISECONDS);
      }
      assertThat(beforeOutage.await(60, TimeUnit.SECONDS)).isTrue();
      long down = System.nanoTime();
      cluster.stopBroker(signal.equals("SIGKILL"));
      // Submissions keep arriving while it is down; give the later ones time to meet the outage.
      await().atMost(Duration.ofSeconds(60)).until(() -> first.size() >= JOBS * 6 / 10);
      cluster.restartBroker();
      long outageMs = ms(down);
      assertThat(all.await(120, TimeUnit.SECONDS)).as("every submission answered").isTrue();

      assertThat(first.values())
          .extracting(Answer::code)
          .as("first answers")
          .allMatch(c -> c == Status.Code.OK || c == Status.Code.UNAVAILABLE);
      List<Long> unavailableMs = new ArrayList<>();
      first.values().stream()
          .filter(a -> a.code() == Status.Code.UNAVAILABLE)
          .forEach(a -> unavailableMs.add(a.millis()));
      unavailableMs.sort(null);

      // Retry every UNAVAILABLE one with its request_id, as the error invites.
      Map<Integer, String> jobIds = new ConcurrentHashMap<>();
      first.forEach(
          (n, a) -> {
            if (a.jobId() != null) {
              jobIds.put(n, a.jobId());
            }
          });
      int retried = JOBS - jobIds.size();
      for (int n = 0; n < JOBS; n++) {
        if (jobIds.containsKey(n)) {
          continue;
        }
        int k = n;
        await()
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptionsMatching(
                e ->
                    e instanceof StatusRuntimeException s
                        && s.getStatus().getCode() == Status.Code.UNAVAILABLE)
            .until(
                () -> {
                  jobIds.put(k, gateway().submit(request(prefix + k)).getJobId());
                  return true;
                });
      }

      long t0 = System.nanoTime();
      Map<String, JobState> states = new ConcurrentHashMap<>();
      try {
        await()
            .atMost(Duration.ofSeconds(240))
            .pollInterval(Duration.ofMillis(500))
            .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
            .untilAsserted(
                () -> {
                  for (String id : jobIds.values()) {
                    if (!JobStates.isTerminal(states.getOrDefault(id, JobState.QUEUED))) {
                      states.put(
                          id,
                          gateway()
                              .getJob(GetJobRequest.newBuilder().setJobId(id).build())
                              .getState());
                    }
                  }
                  assertThat(states.entrySet())
                      .as("jobs not ended yet")
                      .filteredOn(e -> !JobStates.isTerminal(e.getValue()))
                      .isEmpty();
                });
      } catch (ConditionTimeoutException e) {
        // A stalled cluster: what the broker holds (open transactions, last stable offsets,
        // group offsets) and what the roles said last tell why.
        throw new AssertionError(
            "broker "
                + signal
                + ": jobs did not end\n"
                + KafkaState.describe(cluster.bootstrap())
                + cluster.logs(),
            e);
      }
      long endMs = ms(t0);
      assertThat(states.values()).as("every job succeeded").containsOnly(JobState.SUCCEEDED);

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
      assertThat(jobIds.values()).as("distinct jobs").doesNotHaveDuplicates().hasSize(JOBS);
      System.out.printf(
          "broker %s: outage %d ms; first answers %d OK, %d UNAVAILABLE (p50 %d ms, max %d ms);"
              + " %d retried and accepted; all %d jobs ended once, %d ms after the last accept%n",
          signal,
          outageMs,
          JOBS - retried,
          retried,
          unavailableMs.isEmpty() ? 0 : unavailableMs.get(unavailableMs.size() / 2),
          unavailableMs.isEmpty() ? 0 : unavailableMs.get(unavailableMs.size() - 1),
          retried,
          JOBS,
          endMs);
    } finally {
      pool.shutdownNow();
    }
  }

  private static long ms(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }
}

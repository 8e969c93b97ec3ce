package dev.lumina.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.proto.Tiers;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.JobState;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.Sampling;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementQueueTest {
  private final PlacementQueue queue = new PlacementQueue(Tiers.defaults(), 1, 1_000, 1e-6);
  private long offset;

  private JobEnvelope job(String id, int priority, long tokens, long acceptedAt, long deadline) {
    return JobEnvelope.newBuilder()
        .setJobId(id)
        .setTenant("t")
        .setTokenBudget(tokens)
        .setAcceptedAtMs(acceptedAt)
        .setQueueDeadlineMs(deadline)
        .setRequest(
            GenerateRequest.newBuilder()
                .setModality(Modality.IMAGE)
                .setPriority(priority)
                .setSampling(Sampling.newBuilder().setSteps(10).setCfgScale(4f)))
        .build();
  }

  private void offer(JobEnvelope env) {
    assertThat(queue.offer(env, new PlacementQueue.Source("lumina.requests", 0, offset++)))
        .isEmpty();
  }

  private static JobEvent started(String id) {
    return JobEvent.newBuilder()
        .setJobId(id)
        .setState(JobState.RUNNING)
        .setSource("worker")
        .build();
  }

  private static List<String> ids(List<PlacementQueue.Placement> ps) {
    return ps.stream().map(p -> p.envelope().getJobId()).toList();
  }

  @Test
  void tokenBudgetPicksTheSmallestTierThatHoldsIt() {
    PlacementQueue wide = new PlacementQueue(Tiers.defaults(), 10, 0, 0);
    wide.offer(job("small", 5, 4224, 1, 0), new PlacementQueue.Source("r", 0, 0));
    wide.offer(job("medium", 5, 4225, 2, 0), new PlacementQueue.Source("r", 0, 1));
    wide.offer(job("xl", 5, 131_072, 3, 0), new PlacementQueue.Source("r", 0, 2));
    var drop = wide.offer(job("huge", 5, 131_073, 4, 0), new PlacementQueue.Source("r", 0, 3));
    assertThat(drop).get().satisfies(d -> assertThat(d.code()).isEqualTo("RESOURCE_EXHAUSTED"));
    assertThat(wide.release(0))
        .extracting(PlacementQueue.Placement::workTopic)
        .containsExactly("lumina.work.image.s", "lumina.work.image.m", "lumina.work.image.xl");
  }

  /** Offers j0..j{n-1}, same priority and tier, in that order. */
  private void offerJobs(int n) {
    for (int i = 0; i < n; i++) {
      offer(job("j" + i, 5, 100, i, 0));
    }
  }

  private static JobEvent startedBy(String id, String worker, int slots) {
    return started(id).toBuilder().setWorker(worker).setWorkerSlots(slots).build();
  }

  @Test
  void workersAnnouncingMoreSlotsThanTheWindowGetThatManyJobsWaiting() {
    offerJobs(12);
    assertThat(ids(queue.release(0))).as("window 1 before any worker spoke").containsExactly("j0");
    queue.onEvent(startedBy("j0", "w1", 3), 0);
    assertThat(ids(queue.release(0))).containsExactly("j1", "j2", "j3");
    queue.onEvent(startedBy("j1", "w2", 4), 10);
    assertThat(ids(queue.release(10)))
        .as("3 + 4 slots, j2 and j3 still unstarted")
        .containsExactly("j4", "j5", "j6", "j7", "j8");
    queue.onEvent(startedBy("j2", "w1", 3), 20);
    assertThat(ids(queue.release(20))).containsExactly("j9");
    assertThat(queue.release(20)).as("7 unstarted fill 3 + 4 slots").isEmpty();
  }

  @Test
  void aSilentWorkersSlotsStopCountingAfterTheTtl() {
    offerJobs(12);
    queue.release(0);
    queue.onEvent(startedBy("j0", "w1", 8), 0);
    assertThat(queue.release(0)).hasSize(8);
    for (int i = 1; i <= 8; i++) {
      queue.onEvent(started("j" + i), 1);
    }
    long late = PlacementQueue.WORKER_SLOTS_TTL_MS + 1;
    assertThat(ids(queue.release(late))).as("back to the window of 1").containsExactly("j9");
  }

  @Test
  void anAnnouncementCountsForTheTopicOfTheJobItStarted() {
    PlacementQueue two = new PlacementQueue(Tiers.defaults(), 1, 0, 0);
    two.offer(job("s1", 5, 100, 1, 0), new PlacementQueue.Source("r", 0, 0));
    two.offer(job("s2", 5, 100, 2, 0), new PlacementQueue.Source("r", 0, 1));
    two.offer(job("s3", 5, 100, 3, 0), new PlacementQueue.Source("r", 0, 2));
    two.offer(job("m1", 5, 5000, 4, 0), new PlacementQueue.Source("r", 0, 3));
    two.offer(job("m2", 5, 5000, 5, 0), new PlacementQueue.Source("r", 0, 4));
    assertThat(ids(two.release(0))).containsExactly("s1", "m1");
    two.onEvent(startedBy("s1", "w", 2), 0);
    assertThat(ids(two.release(0))).as("image.s only").containsExactly("s2", "s3");
  }

  @Test
  void oneWorkersSlotsAreCappedAndNonsenseIsIgnored() {
    WorkerSlots slots = new WorkerSlots(100);
    slots.seen("t", "", 5, 0);
    slots.seen("t", "w", 0, 0);
    assertThat(slots.total("t", 0)).isZero();
    slots.seen("t", "w", 5, 0);
    slots.seen("t", "w", 7, 50);
    assertThat(slots.total("t", 100)).as("the latest announcement of w").isEqualTo(7);
    assertThat(slots.total("t", 151)).isZero();
    slots.seen("t", "w", Integer.MAX_VALUE, 200);
    slots.seen("t", "v", 3, 200);
    assertThat(slots.total("t", 200)).isEqualTo(WorkerSlots.MAX_SLOTS + 3);
    offerJobs(12);
    queue.release(0);
    queue.onEvent(startedBy("j0", "w", Integer.MAX_VALUE), 0);
    assertThat(queue.release(0)).as("all the held jobs, under the cap").hasSize(11);
  }

  @Test
  void withABacklogTheHighestPriorityJobReachesWorkersNext() {
    offer(job("a", 5, 100, 1, 0));
    offer(job("b", 5, 100, 2, 0));
    offer(job("c", 1, 100, 3, 0));
    assertThat(ids(queue.release(0))).containsExactly("a");
    offer(job("urgent", 9, 100, 4, 0));
    assertThat(queue.release(0)).isEmpty();
    queue.onEvent(started("a"), 0);
    assertThat(ids(queue.release(0))).containsExactly("urgent");
    queue.onEvent(started("urgent"), 0);
    assertThat(ids(queue.release(0))).containsExactly("b");
    queue.onEvent(started("b"), 0);
    assertThat(ids(queue.release(0))).containsExactly("c");
  }

  @Test
  void offsetsNeverPassAHeldJob() {
    offer(job("a", 5, 100, 1, 0));
    offer(job("b", 5, 100, 2, 0));
    queue.release(0);
    assertThat(queue.commitOffsets()).containsEntry("lumina.requests/0", 1L);
    queue.onEvent(started("a"), 0);
    queue.release(0);
    assertThat(queue.commitOffsets()).containsEntry("lumina.requests/0", 2L);
  }

  @Test
  void cancelledAndExpiredJobsNeverReachAWorker() {
    offer(job("placed", 5, 100, 1, 0));
    offer(job("cancel-me", 5, 100, 2, 0));
    offer(job("expire-me", 5, 100, 3, 50));
    assertThat(ids(queue.release(0))).containsExactly("placed");
    assertThat(queue.cancel("cancel-me"))
        .get()
        .satisfies(d -> assertThat(d.state()).isEqualTo(JobState.CANCELLED));
    assertThat(queue.expire(51))
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.jobId()).isEqualTo("expire-me");
              assertThat(d.code()).isEqualTo("DEADLINE_EXCEEDED");
            });
    assertThat(queue.cancel("later")).isEmpty();
    var early =
        queue.offer(
            job("later", 5, 100, 4, 0), new PlacementQueue.Source("lumina.requests", 0, offset++));
    assertThat(early).get().satisfies(d -> assertThat(d.state()).isEqualTo(JobState.CANCELLED));
    queue.onEvent(started("placed"), 0);
    assertThat(queue.release(0)).isEmpty();
  }

  @Test
  void aJobSeenTwiceIsPlacedOnce() {
    offer(job("a", 5, 100, 1, 0));
    offer(job("a", 5, 100, 1, 0));
    assertThat(ids(queue.release(0))).containsExactly("a");
    queue.onEvent(started("a"), 0);
    offer(job("a", 5, 100, 1, 0));
    assertThat(queue.release(0)).isEmpty();
  }

  @Test
  void depthCountsJobsTokensAndEstimatedSeconds() {
    offer(job("a", 5, 1000, 1, 0));
    offer(job("b", 5, 3000, 2, 0));
    var depth = queue.depth(7);
    assertThat(depth)
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.getTopic()).isEqualTo("lumina.work.image.s");
              assertThat(d.getJobs()).isEqualTo(2);
              assertThat(d.getTokens()).isEqualTo(4000);
              assertThat(d.getTokenSeconds())
                  .isCloseTo(4000 * 10 * 2 * 1e-6, org.assertj.core.data.Offset.offset(1e-9));
            });
  }

  @Test
  void aSkippedRecordHoldsNoPlaceAndItsOffsetCommitsOnceTheJobsBeforeItAreReleased() {
    offer(job("a", 5, 100, 1, 0));
    queue.skip(new PlacementQueue.Source("lumina.requests", 0, offset++));
    offer(job("b", 5, 100, 2, 0));
    queue.skip(new PlacementQueue.Source("lumina.requests", 0, offset++));
    assertThat(queue.commitOffsets()).containsEntry("lumina.requests/0", 0L);
    assertThat(ids(queue.release(0))).containsExactly("a");
    assertThat(queue.commitOffsets()).containsEntry("lumina.requests/0", 2L);
    queue.onEvent(started("a"), 0);
    assertThat(ids(queue.release(0))).containsExactly("b");
    assertThat(queue.commitOffsets()).containsEntry("lumina.requests/0", 4L);
  }
}

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
    assertThat(wide.release())
        .extracting(PlacementQueue.Placement::workTopic)
        .containsExactly("lumina.work.image.s", "lumina.work.image.m", "lumina.work.image.xl");
  }

  @Test
  void withABacklogTheHighestPriorityJobReachesWorkersNext() {
    offer(job("a", 5, 100, 1, 0));
    offer(job("b", 5, 100, 2, 0));
    offer(job("c", 1, 100, 3, 0));
    assertThat(ids(queue.release())).containsExactly("a");
    offer(job("urgent", 9, 100, 4, 0));
    assertThat(queue.release()).isEmpty();
    queue.onEvent(started("a"));
    assertThat(ids(queue.release())).containsExactly("urgent");
    queue.onEvent(started("urgent"));
    assertThat(ids(queue.release())).containsExactly("b");
    queue.onEvent(started("b"));
    assertThat(ids(queue.release())).containsExactly("c");
  }

  @Test
  void offsetsNeverPassAHeldJob() {
    offer(job("a", 5, 100, 1, 0));
    offer(job("b", 5, 100, 2, 0));
    queue.release();
    assertThat(queue.commitOffsets()).containsEntry("lumina.requests/0", 1L);
    queue.onEvent(started("a"));
    queue.release();
    assertThat(queue.commitOffsets()).containsEntry("lumina.requests/0", 2L);
  }

  @Test
  void cancelledAndExpiredJobsNeverReachAWorker() {
    offer(job("placed", 5, 100, 1, 0));
    offer(job("cancel-me", 5, 100, 2, 0));
    offer(job("expire-me", 5, 100, 3, 50));
    assertThat(ids(queue.release())).containsExactly("placed");
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
    queue.onEvent(started("placed"));
    assertThat(queue.release()).isEmpty();
  }

  @Test
  void aJobSeenTwiceIsPlacedOnce() {
    offer(job("a", 5, 100, 1, 0));
    offer(job("a", 5, 100, 1, 0));
    assertThat(ids(queue.release())).containsExactly("a");
    queue.onEvent(started("a"));
    offer(job("a", 5, 100, 1, 0));
    assertThat(queue.release()).isEmpty();
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
    assertThat(ids(queue.release())).containsExactly("a");
    assertThat(queue.commitOffsets()).containsEntry("lumina.requests/0", 2L);
    queue.onEvent(started("a"));
    assertThat(ids(queue.release())).containsExactly("b");
    assertThat(queue.commitOffsets()).containsEntry("lumina.requests/0", 4L);
  }
}

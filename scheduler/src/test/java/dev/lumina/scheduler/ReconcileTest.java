package dev.lumina.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.proto.Tiers;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.JobState;
import dev.lumina.proto.v1.Modality;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A job announced QUEUED whose request never arrives is placed from its event after the grace, by
 * the owner of its request partition only, once; a request that does arrive, a placement or an end
 * clears it.
 */
class ReconcileTest {
  private static final long GRACE = 30_000;
  private final PlacementQueue queue = new PlacementQueue(Tiers.defaults(), 4, 1_000, 1e-6);
  private final List<PlacementQueue.Dropped> drops = new ArrayList<>();

  private static JobEnvelope job(String id) {
    return JobEnvelope.newBuilder()
        .setJobId(id)
        .setTenant("t")
        .setTokenBudget(100)
        .setAcceptedAtMs(1)
        .setRequest(GenerateRequest.newBuilder().setModality(Modality.IMAGE))
        .build();
  }

  private static JobEvent queued(String id) {
    return JobEvent.newBuilder()
        .setJobId(id)
        .setState(JobState.QUEUED)
        .setEnvelope(job(id))
        .setSource("gateway")
        .build();
  }

  private List<String> reconcile(long now, boolean owned) {
    return queue.reconcile(now, GRACE, id -> 0, p -> owned, drops).stream()
        .map(JobEnvelope::getJobId)
        .toList();
  }

  @Test
  void aQueuedJobWithoutItsRequestIsPlacedFromItsEventAfterTheGrace() {
    queue.onEvent(queued("lost"), 0);
    assertThat(reconcile(1_000, true)).as("first seen waiting").isEmpty();
    assertThat(reconcile(1_000 + GRACE - 1, true)).as("within the grace").isEmpty();
    assertThat(reconcile(1_000 + GRACE, true)).containsExactly("lost");
    assertThat(queue.release(0)).extracting(p -> p.envelope().getJobId()).containsExactly("lost");
    assertThat(queue.offer(job("lost"), new PlacementQueue.Source("lumina.requests", 0, 7)))
        .as("the request arriving late changes nothing")
        .isEmpty();
    assertThat(queue.release(0)).isEmpty();
    assertThat(reconcile(1_000 + 3 * GRACE, true)).as("repaired once").isEmpty();
    assertThat(queue.commitOffsets()).containsEntry("lumina.requests/0", 8L);
  }

  @Test
  void onlyTheOwnerOfTheRequestPartitionRepairs() {
    queue.onEvent(queued("lost"), 0);
    reconcile(0, false);
    assertThat(reconcile(2 * GRACE, false)).isEmpty();
    assertThat(queue.awaitingRequests()).isEqualTo(1);
    assertThat(reconcile(2 * GRACE, true)).containsExactly("lost");
  }

  @Test
  void anArrivingRequestAPlacementOrAnEndClearsTheWait() {
    queue.onEvent(queued("arrives"), 0);
    queue.onEvent(queued("placed-elsewhere"), 0);
    queue.onEvent(queued("ended"), 0);
    queue.offer(job("arrives"), new PlacementQueue.Source("lumina.requests", 0, 0));
    queue.onEvent(
        queued("placed-elsewhere").toBuilder().setWorkTopic("lumina.work.image.s").build(), 0);
    queue.onEvent(JobEvent.newBuilder().setJobId("ended").setState(JobState.SUCCEEDED).build(), 0);
    reconcile(0, true);
    assertThat(reconcile(10 * GRACE, true)).isEmpty();
    assertThat(queue.awaitingRequests()).isZero();
  }

  @Test
  void aJobCancelledWhileItsRequestWasMissingEndsCancelled() {
    queue.onEvent(queued("lost"), 0);
    queue.cancel("lost");
    reconcile(0, true);
    assertThat(reconcile(GRACE, true)).containsExactly("lost");
    assertThat(drops)
        .singleElement()
        .satisfies(d -> assertThat(d.state()).isEqualTo(JobState.CANCELLED));
    assertThat(queue.release(0)).isEmpty();
  }
}

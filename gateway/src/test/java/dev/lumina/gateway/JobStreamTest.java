package dev.lumina.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.v1.Completed;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.GetJobRequest;
import dev.lumina.proto.v1.Job;
import dev.lumina.proto.v1.JobState;
import dev.lumina.proto.v1.Progress;
import dev.lumina.proto.v1.WatchRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Streams, chunk de-duplication, tenancy and queue events over the in-process transport. */
class JobStreamTest {
  private GatewayHarness gw;

  @BeforeEach
  void start() throws IOException {
    gw = new GatewayHarness(ApiKeys.of(Map.of("key-a", "tenant-a", "key-b", "tenant-b")));
  }

  @AfterEach
  void stop() {
    gw.close();
  }

  private static GenerateRequest request() {
    return GenerateRequest.newBuilder().setPrompt("a lighthouse at dusk").build();
  }

  private long deliver(GenerationChunk... chunks) throws Exception {
    return gw.deliver(chunks);
  }

  private static GenerationChunk progress(String job, long seq, int step) {
    return GenerationChunk.newBuilder()
        .setJobId(job)
        .setSeq(seq)
        .setProgress(Progress.newBuilder().setStep(step).setTotal(30))
        .build();
  }

  @Test
  void generateStreamsAcceptedThenEachWorkerChunkOnceThenEnds() throws Exception {
    Iterator<GenerationChunk> stream = gw.generation("key-a").generate(request());
    GenerationChunk accepted = stream.next();
    assertThat(accepted.getSeq()).isEqualTo(1);
    assertThat(accepted.getAccepted().getTokenBudget()).isEqualTo(32 * 33);
    assertThat(accepted.getAccepted().getTier()).isEqualTo("s");
    assertThat(gw.publisher.jobs)
        .singleElement()
        .satisfies(
            env -> {
              assertThat(env.getTenant()).isEqualTo("tenant-a");
              assertThat(env.getTokenBudget()).isEqualTo(32 * 33);
            });
    String job = accepted.getJobId();
    GenerationChunk done =
        GenerationChunk.newBuilder()
            .setJobId(job)
            .setSeq(4)
            .setCompleted(Completed.newBuilder().setSeed(7))
            .build();
    long received =
        deliver(
            progress(job, 2, 1),
            progress(job, 2, 1),
            progress(job, 3, 2),
            progress(job, 2, 1),
            done,
            done);
    assertThat(received).isEqualTo(6);
    List<Long> seqs = new ArrayList<>();
    stream.forEachRemaining(c -> seqs.add(c.getSeq()));
    assertThat(seqs).containsExactly(2L, 3L, 4L);
    assertThat(gw.table.duplicateChunks()).isEqualTo(3);
    Job state = gw.generation("key-a").getJob(GetJobRequest.newBuilder().setJobId(job).build());
    assertThat(state.getState()).isEqualTo(JobState.SUCCEEDED);
    assertThat(state.getLastSeq()).isEqualTo(4);
    List<Long> replay = new ArrayList<>();
    gw.generation("key-a")
        .watch(WatchRequest.newBuilder().setJobId(job).setAfterSeq(2).build())
        .forEachRemaining(c -> replay.add(c.getSeq()));
    assertThat(replay).containsExactly(3L, 4L);
  }

  @Test
  void anotherTenantsJobIsNotFoundAndAMissingKeyIsUnauthenticated() {
    Job job = gw.generation("key-a").submit(request());
    GetJobRequest get = GetJobRequest.newBuilder().setJobId(job.getJobId()).build();
    assertThat(gw.generation("key-a").getJob(get).getJobId()).isEqualTo(job.getJobId());
    assertThatThrownBy(() -> gw.generation("key-b").getJob(get))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThatThrownBy(
            () ->
                gw.generation("key-b")
                    .watch(WatchRequest.newBuilder().setJobId(job.getJobId()).build())
                    .hasNext())
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThatThrownBy(
            () ->
                gw.generation("key-b")
                    .cancel(
                        dev.lumina.proto.v1.CancelRequest.newBuilder()
                            .setJobId(job.getJobId())
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThat(gw.publisher.controls).isEmpty();
    assertThatThrownBy(() -> gw.generation().getJob(get))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
  }

  @Test
  void expiredEventEndsTheStreamWithDeadlineExceeded() {
    Iterator<GenerationChunk> stream = gw.generation("key-a").generate(request());
    String job = stream.next().getJobId();
    gw.table.onEvent(
        JobEvent.newBuilder()
            .setJobId(job)
            .setTenant("tenant-a")
            .setState(JobState.EXPIRED)
            .setJob(
                Job.newBuilder()
                    .setJobId(job)
                    .setState(JobState.EXPIRED)
                    .setErrorCode("DEADLINE_EXCEEDED")
                    .setErrorMessage("waited longer than max_queue_ms 10"))
            .build());
    GenerationChunk failed = stream.next();
    assertThat(failed.getSeq()).isEqualTo(2);
    assertThat(failed.getFailed().getCode()).isEqualTo("DEADLINE_EXCEEDED");
    assertThatThrownBy(stream::hasNext)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
  }

  @Test
  void cancelPublishesAControlMessageForTheCallersJob() {
    Job job = gw.generation("key-a").submit(request());
    Job answer =
        gw.generation("key-a")
            .cancel(
                dev.lumina.proto.v1.CancelRequest.newBuilder().setJobId(job.getJobId()).build());
    assertThat(answer.getJobId()).isEqualTo(job.getJobId());
    assertThat(gw.publisher.controls)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getJobId()).isEqualTo(job.getJobId());
              assertThat(c.getTenant()).isEqualTo("tenant-a");
              assertThat(c.hasCancel()).isTrue();
            });
  }

  @Test
  void cancelAnswersWithTheJobAsItEndedOnceTheClusterStoppedIt() {
    Job job = gw.generation("key-a").submit(request());
    gw.publisher.onControl =
        m ->
            gw.table.onEvent(
                dev.lumina.proto.cluster.v1.JobEvent.newBuilder()
                    .setJobId(m.getJobId())
                    .setTenant("tenant-a")
                    .setState(dev.lumina.proto.v1.JobState.CANCELLED)
                    .build());
    Job answer =
        gw.generation("key-a")
            .cancel(
                dev.lumina.proto.v1.CancelRequest.newBuilder().setJobId(job.getJobId()).build());
    assertThat(answer.getState()).isEqualTo(dev.lumina.proto.v1.JobState.CANCELLED);
  }

  @Test
  void cancelOfAJobStillStoppingAnswersWithItAsItIsAfterTheWait() {
    Job job = gw.generation("key-a").submit(request());
    Job answer =
        gw.generation("key-a")
            .cancel(
                dev.lumina.proto.v1.CancelRequest.newBuilder().setJobId(job.getJobId()).build());
    assertThat(answer.getState()).isEqualTo(dev.lumina.proto.v1.JobState.QUEUED);
  }

  @Test
  void aResubmissionSendsAnUnplacedJobToTheSchedulerAgainButNotAPlacedOne() {
    GenerateRequest r = request().toBuilder().setRequestId("retry-me").build();
    Job first = gw.generation("key-a").submit(r);
    assertThat(gw.publisher.republished).isEmpty();

    Job again = gw.generation("key-a").submit(r);
    assertThat(again.getJobId()).isEqualTo(first.getJobId());
    assertThat(gw.publisher.jobs).hasSize(1);
    assertThat(gw.publisher.republished)
        .singleElement()
        .satisfies(env -> assertThat(env.getJobId()).isEqualTo(first.getJobId()));

    gw.table.onEvent(
        JobEvent.newBuilder()
            .setJobId(first.getJobId())
            .setTenant("tenant-a")
            .setState(JobState.QUEUED)
            .setWorkTopic("lumina.work.image.s")
            .build());
    gw.generation("key-a").submit(r);
    assertThat(gw.publisher.republished).hasSize(1);
  }
}

package dev.lumina.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.QuotaFailure;
import com.google.rpc.RetryInfo;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.GetJobRequest;
import dev.lumina.proto.v1.JobState;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.proto.v1.WatchRequest;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Quotas through the gateway's own interceptors and accept path: each refusal is RESOURCE_EXHAUSTED
 * with a RetryInfo delay and a QuotaFailure naming the quota, publishes nothing and leaves other
 * tenants alone.
 */
class AdmissionTest {
  private static final String KEY_A = "lsk_a";
  private static final String KEY_B = "lsk_b";
  private GatewayHarness gw;

  private GatewayHarness start(Quotas quotas) throws IOException {
    gw =
        new GatewayHarness(
            ApiKeys.of(Map.of(KEY_A, "tenant-a", KEY_B, "tenant-b")), false, null, quotas);
    return gw;
  }

  @AfterEach
  void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  private static Quotas perTenant(Quotas.Limit a) {
    return Quotas.of(Map.of("tenant-a", a), Quotas.Limit.NONE, 0, 1e-6);
  }

  private static GenerateRequest request(String id, int steps) {
    return GenerateRequest.newBuilder()
        .setPrompt("a kite")
        .setRequestId(id)
        .setSampling(Sampling.newBuilder().setSteps(steps))
        .build();
  }

  private static void assertRefused(StatusRuntimeException e, String quota) {
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    com.google.rpc.Status s = StatusProto.fromThrowable(e);
    assertThat(s).as("rich status").isNotNull();
    try {
      RetryInfo retry = null;
      QuotaFailure failure = null;
      for (var d : s.getDetailsList()) {
        if (d.is(RetryInfo.class)) {
          retry = d.unpack(RetryInfo.class);
        } else if (d.is(QuotaFailure.class)) {
          failure = d.unpack(QuotaFailure.class);
        }
      }
      assertThat(retry).as("RetryInfo").isNotNull();
      assertThat(retry.getRetryDelay().getSeconds() * 1000 + retry.getRetryDelay().getNanos() / 1e6)
          .as("retry delay ms")
          .isGreaterThan(0)
          .isLessThanOrEqualTo(60_000);
      assertThat(failure).as("QuotaFailure").isNotNull();
      assertThat(failure.getViolations(0).getDescription()).startsWith(quota + ": ");
    } catch (InvalidProtocolBufferException ex) {
      throw new AssertionError(ex);
    }
  }

  private static StatusRuntimeException refusal(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError("expected a refusal");
  }

  @Test
  void aTenantPastItsJobShareIsRefusedUntilOneEnds() throws IOException {
    start(perTenant(new Quotas.Limit(0, 0, 2, 0)));
    String first = gw.generation(KEY_A).submit(request("a1", 10)).getJobId();
    gw.generation(KEY_A).submit(request("a2", 10));
    StatusRuntimeException e = refusal(() -> gw.generation(KEY_A).submit(request("a3", 10)));
    assertRefused(e, "jobs");
    assertThat(e.getStatus().getDescription())
        .isEqualTo("tenant tenant-a has 2 jobs queued or running, its limit is 2");
    assertThat(gw.publisher.jobs).hasSize(2);
    gw.generation(KEY_B).submit(request("b1", 10));
    assertThat(gw.publisher.jobs).as("another tenant is not limited").hasSize(3);
    assertThat(gw.generation(KEY_A).submit(request("a1", 10)).getJobId())
        .as("a resubmission of an admitted job is no new job")
        .isEqualTo(first);

    // The first job ends (as lumina.events tells every gateway): a slot frees.
    gw.table.onEvent(
        JobEvent.newBuilder()
            .setJobId(first)
            .setTenant("tenant-a")
            .setState(JobState.SUCCEEDED)
            .build());
    gw.generation(KEY_A).submit(request("a3", 10));
    assertThat(gw.publisher.jobs).hasSize(4);
  }

  @Test
  void queuedWorkPerTenantCountsEstimatedSecondsButAlwaysLetsOneJobIn() throws IOException {
    // 1e-6 s per token evaluation; a default 32x32 job's cost is tokens × steps × (2 with CFG).
    start(perTenant(new Quotas.Limit(0, 0, 0, 1e-9)));
    gw.generation(KEY_A).submit(request("big", 10));
    StatusRuntimeException e = refusal(() -> gw.generation(KEY_A).submit(request("next", 10)));
    assertRefused(e, "queued-token-seconds");
    assertThat(e.getStatus().getDescription())
        .startsWith("tenant tenant-a has ")
        .contains("s of work queued; this job");
    assertThat(gw.publisher.jobs).hasSize(1);
  }

  @Test
  void aTierPastItsQueuedWorkShedsNewWorkOfEveryTenant() throws IOException {
    start(Quotas.of(Map.of(), Quotas.Limit.NONE, 1e-9, 1e-6));
    gw.generation(KEY_A).submit(request("a1", 10));
    StatusRuntimeException e = refusal(() -> gw.generation(KEY_B).submit(request("b1", 10)));
    assertRefused(e, "max-queued-token-seconds");
    assertThat(e.getStatus().getDescription()).contains("new work is shed until it drains");
    assertThat(gw.publisher.jobs).hasSize(1);
  }

  @Test
  void callsPastTheRateAreRefusedWithTheWaitUntilTheNextPermit() throws IOException {
    start(perTenant(new Quotas.Limit(3, 0, 0, 0)));
    GetJobRequest unknown = GetJobRequest.newBuilder().setJobId("j-unknown").build();
    int refused = 0;
    StatusRuntimeException last = null;
    for (int i = 0; i < 6; i++) {
      try {
        gw.generation(KEY_A).getJob(unknown);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
          refused++;
          last = e;
        }
      }
    }
    assertThat(refused).as("calls past 3 per second").isGreaterThanOrEqualTo(3);
    assertRefused(last, "requests-per-second");
    assertThat(last.getStatus().getDescription())
        .isEqualTo("tenant tenant-a is over its limit of 3 requests per second");
    assertThat(refusal(() -> gw.generation(KEY_B).getJob(unknown)).getStatus().getCode())
        .as("tenant b is not rate limited")
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void openStreamsPastTheShareAreRefusedAndAClosedStreamFreesItsSlot() throws Exception {
    start(perTenant(new Quotas.Limit(0, 2, 0, 0)));
    String job = gw.generation(KEY_A).submit(request("watched", 10)).getJobId();
    GenerationGrpc.GenerationStub async =
        GenerationGrpc.newStub(gw.channel()).withInterceptors(withKey(KEY_A));
    Context.CancellableContext first = Context.current().withCancellation();
    Context.CancellableContext second = Context.current().withCancellation();
    CountDownLatch opened = new CountDownLatch(2);
    for (Context.CancellableContext c : new Context.CancellableContext[] {first, second}) {
      c.run(
          () ->
              async.watch(
                  WatchRequest.newBuilder().setJobId(job).build(),
                  new StreamObserver<GenerationChunk>() {
                    @Override
                    public void onNext(GenerationChunk value) {
                      opened.countDown();
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                  }));
    }
    assertThat(opened.await(10, TimeUnit.SECONDS)).as("two streams open").isTrue();
    StatusRuntimeException e =
        refusal(
            () ->
                gw.generation(KEY_A)
                    .watch(WatchRequest.newBuilder().setJobId(job).build())
                    .hasNext());
    assertRefused(e, "streams");
    first.cancel(null);
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(
                        gw.generation(KEY_A)
                            .watch(WatchRequest.newBuilder().setJobId(job).build())
                            .next()
                            .getSeq())
                    .isEqualTo(1));
    second.cancel(null);
  }

  private static io.grpc.ClientInterceptor withKey(String key) {
    io.grpc.Metadata h = new io.grpc.Metadata();
    h.put(Tenancy.API_KEY, key);
    return io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(h);
  }

  @Test
  void noQuotasRefuseNothing() throws IOException {
    start(Quotas.none());
    for (int i = 0; i < 20; i++) {
      gw.generation(KEY_A).submit(request("n" + i, 10));
    }
    assertThat(gw.publisher.jobs).hasSize(20);
  }
}

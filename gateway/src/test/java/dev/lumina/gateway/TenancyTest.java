package dev.lumina.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.proto.v1.CancelRequest;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GetJobRequest;
import dev.lumina.proto.v1.GetModelRequest;
import dev.lumina.proto.v1.Job;
import dev.lumina.proto.v1.ListModelsRequest;
import dev.lumina.proto.v1.WatchRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every public RPC behind API keys: no key and a wrong key are UNAUTHENTICATED before any service
 * runs; another tenant's job is NOT_FOUND, worded as an unknown id; request ids are per tenant.
 */
class TenancyTest {
  private static final String KEY_A = "lsk_tenant-a-key";
  private static final String KEY_B = "lsk_tenant-b-key";
  private GatewayHarness gw;

  @BeforeEach
  void start() throws IOException {
    gw = new GatewayHarness(ApiKeys.of(Map.of(KEY_A, "tenant-a", KEY_B, "tenant-b")));
  }

  @AfterEach
  void stop() {
    gw.close();
  }

  private static GenerateRequest request(String requestId) {
    return GenerateRequest.newBuilder().setPrompt("a kite").setRequestId(requestId).build();
  }

  /** Calls one RPC with the given key (null = no header) on the job id given. */
  static Stream<Arguments> rpcs() {
    return Stream.of(
        rpc("Generate", (h, job) -> h.gw.generation(h.key).generate(request("")).hasNext()),
        rpc("Submit", (h, job) -> h.gw.generation(h.key).submit(request(""))),
        rpc(
            "Watch",
            (h, job) ->
                h.gw
                    .generation(h.key)
                    .watch(WatchRequest.newBuilder().setJobId(job).build())
                    .hasNext()),
        rpc(
            "Cancel",
            (h, job) ->
                h.gw.generation(h.key).cancel(CancelRequest.newBuilder().setJobId(job).build())),
        rpc(
            "GetJob",
            (h, job) ->
                h.gw.generation(h.key).getJob(GetJobRequest.newBuilder().setJobId(job).build())),
        rpc(
            "ListModels",
            (h, job) -> h.gw.models(h.key).listModels(ListModelsRequest.getDefaultInstance())),
        rpc(
            "GetModel",
            (h, job) ->
                h.gw
                    .models(h.key)
                    .getModel(GetModelRequest.newBuilder().setName(TestModels.PICTURES).build())));
  }

  private record Caller(GatewayHarness gw, String key) {}

  private static Arguments rpc(String name, BiConsumer<Caller, String> call) {
    return Arguments.of(name, call);
  }

  private static Status.Code codeOf(Runnable r) {
    try {
      r.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rpcs")
  void withoutAKeyEveryRpcIsUnauthenticatedAndNothingIsPublished(
      String name, BiConsumer<Caller, String> call) {
    String job = gw.generation(KEY_A).submit(request("r1")).getJobId();
    gw.publisher.jobs.clear();
    StatusRuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class, () -> call.accept(new Caller(gw, null), job));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(e.getStatus().getDescription()).isEqualTo("x-api-key: missing");
    assertThat(gw.publisher.jobs).isEmpty();
    assertThat(gw.publisher.controls).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rpcs")
  void withAWrongKeyEveryRpcIsUnauthenticatedWithoutEchoingTheKey(
      String name, BiConsumer<Caller, String> call) {
    String job = gw.generation(KEY_A).submit(request("r1")).getJobId();
    gw.publisher.jobs.clear();
    String wrong = "lsk_not-a-key-anyone-has";
    StatusRuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class, () -> call.accept(new Caller(gw, wrong), job));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(e.getStatus().getDescription()).isEqualTo("x-api-key: unknown key");
    assertThat(gw.publisher.jobs).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rpcs")
  void withAnotherTenantsKeyJobRpcsAreNotFoundAndTheRestServeThatTenant(
      String name, BiConsumer<Caller, String> call) {
    String job = gw.generation(KEY_A).submit(request("r1")).getJobId();
    Status.Code code = codeOf(() -> call.accept(new Caller(gw, KEY_B), job));
    boolean jobRpc = Stream.of("Watch", "Cancel", "GetJob").anyMatch(name::equals);
    assertThat(code).isEqualTo(jobRpc ? Status.Code.NOT_FOUND : Status.Code.OK);
    assertThat(gw.publisher.controls).as("another tenant cannot cancel").isEmpty();
  }

  @Test
  void anotherTenantsJobReadsExactlyLikeAnUnknownJob() {
    String job = gw.generation(KEY_A).submit(request("r1")).getJobId();
    String unknown = "j-00000000000000000000000000000000";
    assertThatThrownBy(
            () -> gw.generation(KEY_B).getJob(GetJobRequest.newBuilder().setJobId(job).build()))
        .hasMessage("NOT_FOUND: job_id: no job '" + job + "'");
    assertThatThrownBy(
            () -> gw.generation(KEY_B).getJob(GetJobRequest.newBuilder().setJobId(unknown).build()))
        .hasMessage("NOT_FOUND: job_id: no job '" + unknown + "'");
  }

  @Test
  void theSameRequestIdFromTwoTenantsMakesTwoJobsEachVisibleOnlyToItsOwner() {
    Job a = gw.generation(KEY_A).submit(request("order-17"));
    Job b = gw.generation(KEY_B).submit(request("order-17"));
    assertThat(a.getJobId()).isNotEqualTo(b.getJobId());
    assertThat(gw.publisher.jobs)
        .extracting(env -> env.getTenant())
        .containsExactly("tenant-a", "tenant-b");
    assertThat(gw.generation(KEY_A).submit(request("order-17")).getJobId())
        .as("a resubmission by the same tenant is the same job")
        .isEqualTo(a.getJobId());
    assertThat(
            gw.generation(KEY_B)
                .getJob(GetJobRequest.newBuilder().setJobId(b.getJobId()).build())
                .getJobId())
        .isEqualTo(b.getJobId());
    assertThat(
            codeOf(
                () ->
                    gw.generation(KEY_B)
                        .getJob(GetJobRequest.newBuilder().setJobId(a.getJobId()).build())))
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void healthAnswersWithoutAKeySoProbesNeedNoSecret() {
    assertThat(
            gw.health()
                .check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance())
                .getStatus())
        .isEqualTo(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void anonymousGatewaysIgnoreAnyKeyAndServeTheDefaultTenant() throws IOException {
    try (GatewayHarness open = new GatewayHarness(ApiKeys.anonymous())) {
      open.generation().submit(request("x"));
      open.generation("anything").submit(request("y"));
      assertThat(open.publisher.jobs)
          .extracting(env -> env.getTenant())
          .containsOnly(Tenancy.DEFAULT_TENANT);
    }
  }
}

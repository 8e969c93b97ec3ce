package dev.lumina.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lumina.proto.v1.CancelRequest;
import dev.lumina.proto.v1.GetJobRequest;
import dev.lumina.proto.v1.GetModelRequest;
import dev.lumina.proto.v1.WatchRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Errors quote at most a bounded piece of the client's input, so a huge model name, job id or label
 * key gets its own status code with a short message (not RESOURCE_EXHAUSTED for oversized
 * metadata).
 */
class LongInputTest {
  private static final String HUGE = "m".repeat(10_000);
  private static final int MAX_MESSAGE_BYTES = 512;
  private GatewayHarness gw;

  @BeforeEach
  void start() throws IOException {
    gw = new GatewayHarness(ApiKeys.anonymous(), true);
  }

  @AfterEach
  void stop() {
    gw.close();
  }

  @Test
  void aHugeModelNameIsInvalidArgumentWithAShortMessage() {
    StatusRuntimeException e =
        refused(() -> gw.generation().submit(RequestValidationTest.ok().setModel(HUGE).build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertShort(e);
    assertThat(e.getStatus().getDescription())
        .startsWith("model: unknown model 'mmm")
        .contains("…(10000 bytes)'")
        .contains("known models: [flag-dit-audio, flag-dit-test]");
    assertThat(GarbageRequestTest.field(e)).isEqualTo("model");
  }

  @Test
  void aHugeLabelKeyIsInvalidArgumentWithAShortMessage() {
    StatusRuntimeException e =
        refused(
            () -> gw.generation().submit(RequestValidationTest.ok().putLabels(HUGE, "v").build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertShort(e);
    assertThat(e.getStatus().getDescription()).startsWith("labels: label 'mmm");
    assertThat(GarbageRequestTest.field(e)).isEqualTo("labels");
  }

  @Test
  void aHugeJobIdIsInvalidArgumentWithAShortMessage() {
    for (ThrowingCallable call :
        new ThrowingCallable[] {
          () -> gw.generation().getJob(GetJobRequest.newBuilder().setJobId(HUGE).build()),
          () -> gw.generation().cancel(CancelRequest.newBuilder().setJobId(HUGE).build()),
          () -> gw.generation().watch(WatchRequest.newBuilder().setJobId(HUGE).build()).hasNext()
        }) {
      StatusRuntimeException e = refused(call);
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertShort(e);
      assertThat(e.getStatus().getDescription()).startsWith("job_id: 'mmm").contains("128 bytes");
      assertThat(GarbageRequestTest.field(e)).isEqualTo("job_id");
    }
  }

  @Test
  void aLongUnknownJobIdIsNotFoundQuotedShort() {
    String id = "j-" + "é".repeat(60);
    StatusRuntimeException e =
        refused(() -> gw.generation().getJob(GetJobRequest.newBuilder().setJobId(id).build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertShort(e);
    assertThat(e.getStatus().getDescription()).contains("…(122 bytes)");
  }

  @Test
  void aHugeModelNameInGetModelIsNotFoundWithAShortMessage() {
    StatusRuntimeException e =
        refused(() -> gw.models().getModel(GetModelRequest.newBuilder().setName(HUGE).build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertShort(e);
  }

  private static StatusRuntimeException refused(ThrowingCallable call) {
    Throwable t = catchThrowable(call);
    assertThat(t).isInstanceOf(StatusRuntimeException.class);
    return (StatusRuntimeException) t;
  }

  private static void assertShort(StatusRuntimeException e) {
    assertThat(e.getStatus().getDescription().getBytes(StandardCharsets.UTF_8).length)
        .isLessThan(MAX_MESSAGE_BYTES);
  }
}

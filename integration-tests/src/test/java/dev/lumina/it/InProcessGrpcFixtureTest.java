package dev.lumina.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.GetJobRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class InProcessGrpcFixtureTest {

  @RegisterExtension final InProcessGrpcFixture grpc = new InProcessGrpcFixture();

  @Test
  void channelReachesTheServicesGivenToStart() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("", ServingStatus.NOT_SERVING);
    ManagedChannel channel =
        grpc.start(health.getHealthService(), new GenerationGrpc.GenerationImplBase() {});

    assertThat(
            HealthGrpc.newBlockingStub(channel)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus())
        .isEqualTo(ServingStatus.NOT_SERVING);
  }

  @Test
  void secondStartInOneTestIsRejected() throws Exception {
    grpc.start(new GenerationGrpc.GenerationImplBase() {});
    assertThatThrownBy(() -> grpc.start(new GenerationGrpc.GenerationImplBase() {}))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void callToAServiceNotGivenToStartIsUnimplemented() throws Exception {
    ManagedChannel channel = grpc.start(new HealthStatusManager().getHealthService());
    assertThatThrownBy(
            () ->
                GenerationGrpc.newBlockingStub(channel).getJob(GetJobRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
  }
}

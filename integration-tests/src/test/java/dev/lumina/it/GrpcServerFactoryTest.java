package dev.lumina.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.deploy.grpc.GrpcServerFactory;
import dev.lumina.deploy.grpc.LuminaGrpcServer;
import dev.lumina.proto.v1.GenerationGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real Netty server built by {@link GrpcServerFactory}, called over a real loopback channel. */
class GrpcServerFactoryTest {

  private LuminaGrpcServer server;
  private ManagedChannel channel;

  @BeforeEach
  void startServer() {
    server =
        GrpcServerFactory.start(
            new InetSocketAddress("127.0.0.1", 0),
            List.of(new GenerationGrpc.GenerationImplBase() {}));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void healthCheckReportsServingForTheServerAndEachService() {
    HealthGrpc.HealthBlockingStub health =
        HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(ServingStatus.SERVING);
    assertThat(
            health
                .check(HealthCheckRequest.newBuilder().setService("lumina.v1.Generation").build())
                .getStatus())
        .isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void healthCheckOfAnUnknownServiceIsNotFound() {
    HealthGrpc.HealthBlockingStub health =
        HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    assertThatThrownBy(
            () ->
                health.check(HealthCheckRequest.newBuilder().setService("no.such.Service").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.NOT_FOUND));
  }

  @Test
  void reflectionListsTheAddedServiceHealthAndReflection() throws Exception {
    CompletableFuture<ServerReflectionResponse> reply = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse value) {
                    reply.complete(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    reply.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();

    List<String> names =
        reply.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
            .map(ServiceResponse::getName)
            .toList();
    assertThat(names)
        .contains(
            "lumina.v1.Generation", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection");
  }

  @Test
  void startingOnATakenPortFailsNamingTheAddress() {
    InetSocketAddress taken = new InetSocketAddress("127.0.0.1", server.port());
    assertThatThrownBy(
            () ->
                GrpcServerFactory.start(taken, List.of(new GenerationGrpc.GenerationImplBase() {})))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("127.0.0.1")
        .hasMessageContaining(String.valueOf(server.port()));
  }
}

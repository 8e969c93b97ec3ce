package dev.lumina.deploy.grpc;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds and starts every gRPC server of the project: Netty on the given address, the given services,
 * plus standard {@code grpc.health.v1.Health} and {@code grpc.reflection.v1.ServerReflection}.
 *
 * <p>Health reports SERVING for the overall server ({@code ""}) and for each added service once the server
 * has started, and NOT_SERVING as soon as {@link LuminaGrpcServer#close()} begins, so load balancers stop
 * routing before the server drains. Stateless; the returned server is thread-safe.
 */
public final class GrpcServerFactory {

  private GrpcServerFactory() {}

  /**
   * Starts a server for {@code services} on {@code address} (port 0 picks a free port).
   *
   * @throws IllegalArgumentException if {@code services} is empty
   * @throws UncheckedIOException if the address cannot be bound (the message names the address)
   */
  public static LuminaGrpcServer start(
      InetSocketAddress address, List<? extends BindableService> services, List<? extends ServerInterceptor> interceptors) {
    if (services.isEmpty()) {
      throw new IllegalArgumentException("services must list at least one service");
    }
    HealthStatusManager health = new HealthStatusManager();
    NettyServerBuilder builder = NettyServerBuilder.forAddress(address)
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .permitKeepAliveTime(30, TimeUnit.SECONDS);
    for (ServerInterceptor interceptor : interceptors) {
      builder.intercept(interceptor);
    }
    for (BindableService service : services) {
      builder.addService(service);
    }
    Server server = builder.build();
    try {
      server.start();
    } catch (IOException e) {
      String why = e instanceof BindException || e.getCause() instanceof BindException
          ? "address already in use" : e.getMessage();
      throw new UncheckedIOException("cannot start gRPC server on " + address + ": " + why, e);
    }
    for (BindableService service : services) {
      ServerServiceDefinition def = service.bindService();
      health.setStatus(def.getServiceDescriptor().getName(), ServingStatus.SERVING);
    }
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    return new LuminaGrpcServer(server, health);
  }

  /** Starts a server for {@code services} on {@code address}, without interceptors. */
  public static LuminaGrpcServer start(InetSocketAddress address, List<? extends BindableService> services) {
    return start(address, services, List.of());
  }
}

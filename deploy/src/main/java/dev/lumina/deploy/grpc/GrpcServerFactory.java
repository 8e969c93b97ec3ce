package dev.lumina.deploy.grpc;

import dev.lumina.gateway.GrpcHost;
import io.grpc.BindableService;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds and starts every gRPC server of the project: Netty on the given address, the given
 * services, plus standard {@code grpc.health.v1.Health} and {@code
 * grpc.reflection.v1.ServerReflection}.
 *
 * <p>Health reports SERVING for the overall server ({@code ""}) and for each added service once the
 * server has started, and NOT_SERVING as soon as {@link LuminaGrpcServer#close()} begins, so load
 * balancers stop routing before the server drains. Stateless; the returned server is thread-safe.
 */
public final class GrpcServerFactory {

  /** gRPC's own default inbound message limit (4 MiB), used when a caller names none. */
  public static final int DEFAULT_MAX_INBOUND_MESSAGE_BYTES = 4 * 1024 * 1024;

  /** What {@link #transportLimitAbove} adds to an application's own limit. */
  public static final int TRANSPORT_HEADROOM_BYTES = 1024 * 1024;

  private GrpcServerFactory() {}

  /**
   * The transport limit to give a server whose services refuse messages above {@code
   * applicationLimit} themselves (for example with an interceptor that answers {@code
   * INVALID_ARGUMENT} naming the limit): {@code applicationLimit +} {@value
   * #TRANSPORT_HEADROOM_BYTES}, capped at {@link Integer#MAX_VALUE}. A message between the two
   * limits reaches the application's check and gets its clear error; only a message above the
   * transport limit is cut off by gRPC itself with {@code RESOURCE_EXHAUSTED}.
   *
   * @throws IllegalArgumentException if {@code applicationLimit < 1}
   */
  public static int transportLimitAbove(int applicationLimit) {
    if (applicationLimit < 1) {
      throw new IllegalArgumentException(
          "applicationLimit must be >= 1 byte, got " + applicationLimit);
    }
    return (int) Math.min(Integer.MAX_VALUE, (long) applicationLimit + TRANSPORT_HEADROOM_BYTES);
  }

  /**
   * Starts a plaintext server for {@code services} on {@code address} (port 0 picks a free port)
   * that refuses inbound messages larger than {@code maxInboundMessageBytes} at the transport
   * ({@code RESOURCE_EXHAUSTED}, before any interceptor or service sees them).
   *
   * @throws IllegalArgumentException if {@code services} is empty or {@code maxInboundMessageBytes
   *     < 1}
   * @throws UncheckedIOException if the address cannot be bound (the message names the address)
   */
  public static LuminaGrpcServer start(
      InetSocketAddress address,
      List<? extends BindableService> services,
      List<? extends ServerInterceptor> interceptors,
      int maxInboundMessageBytes) {
    return start(
        address,
        InsecureServerCredentials.create(),
        services,
        interceptors,
        maxInboundMessageBytes);
  }

  /**
   * As {@link #start(InetSocketAddress, List, List, int)}, the transport secured by {@code
   * credentials}: {@code InsecureServerCredentials} for plaintext, or TLS from {@code
   * dev.lumina.deploy.tls.ServerTls#credentials} (a client that does not complete the handshake
   * never reaches a service).
   *
   * @throws IllegalArgumentException if {@code services} is empty or {@code maxInboundMessageBytes
   *     < 1}
   * @throws UncheckedIOException if the address cannot be bound (the message names the address)
   */
  public static LuminaGrpcServer start(
      InetSocketAddress address,
      ServerCredentials credentials,
      List<? extends BindableService> services,
      List<? extends ServerInterceptor> interceptors,
      int maxInboundMessageBytes) {
    if (services.isEmpty()) {
      throw new IllegalArgumentException("services must list at least one service");
    }
    if (maxInboundMessageBytes < 1) {
      throw new IllegalArgumentException(
          "maxInboundMessageBytes must be >= 1, got " + maxInboundMessageBytes);
    }
    HealthStatusManager health = new HealthStatusManager();
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(address, credentials)
            .addService(health.getHealthService())
            .addService(ProtoReflectionServiceV1.newInstance())
            .maxInboundMessageSize(maxInboundMessageBytes)
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
      String why =
          e instanceof BindException || e.getCause() instanceof BindException
              ? "address already in use"
              : e.getMessage();
      throw new UncheckedIOException("cannot start gRPC server on " + address + ": " + why, e);
    }
    for (BindableService service : services) {
      ServerServiceDefinition def = service.bindService();
      health.setStatus(def.getServiceDescriptor().getName(), ServingStatus.SERVING);
    }
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    return new LuminaGrpcServer(server, health);
  }

  /**
   * Starts a server for {@code services} on {@code address} with gRPC's default inbound limit
   * ({@value #DEFAULT_MAX_INBOUND_MESSAGE_BYTES} bytes).
   *
   * @throws IllegalArgumentException if {@code services} is empty
   * @throws UncheckedIOException if the address cannot be bound (the message names the address)
   */
  public static LuminaGrpcServer start(
      InetSocketAddress address,
      List<? extends BindableService> services,
      List<? extends ServerInterceptor> interceptors) {
    return start(address, services, interceptors, DEFAULT_MAX_INBOUND_MESSAGE_BYTES);
  }

  /**
   * Starts a server for {@code services} on {@code address}, without interceptors, with gRPC's
   * default limit.
   */
  public static LuminaGrpcServer start(
      InetSocketAddress address, List<? extends BindableService> services) {
    return start(address, services, List.of());
  }

  /**
   * The project's gRPC servers (health + reflection) as a {@link GrpcHost}. The transport limit
   * sits a little above the gateway's own, so an oversized request reaches the gateway's check and
   * gets INVALID_ARGUMENT naming the limit.
   */
  public static GrpcHost gatewayHost() {
    return (address, credentials, services, interceptors, maxInboundMessageBytes) -> {
      LuminaGrpcServer server =
          start(
              address,
              credentials,
              services,
              interceptors,
              transportLimitAbove(maxInboundMessageBytes));
      return new GrpcHost.Bound() {
        @Override
        public int port() {
          return server.port();
        }

        @Override
        public void close() {
          server.close(Duration.ofSeconds(5));
        }
      };
    };
  }
}

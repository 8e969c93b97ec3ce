package dev.lumina.gateway;

import io.grpc.BindableService;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Starts the gateway's gRPC servers. The launcher supplies one that adds health and reflection (the
 * project's server factory); the gateway only says what to serve, where, with which transport
 * security ({@link GatewayConfig#publicCredentials}, {@link GatewayConfig#chunkSinkCredentials}),
 * and the largest message it takes. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface GrpcHost {

  /**
   * Starts serving {@code services} on {@code address} (port 0 picks a free port), its transport
   * secured by {@code credentials} ({@code InsecureServerCredentials} for plaintext).
   *
   * @throws java.io.UncheckedIOException if the address cannot be bound
   */
  Bound start(
      InetSocketAddress address,
      ServerCredentials credentials,
      List<BindableService> services,
      List<ServerInterceptor> interceptors,
      int maxInboundMessageBytes);

  /** A started server. */
  interface Bound extends AutoCloseable {
    /** The port it listens on. */
    int port();

    /** Stops admitting calls, drains, then stops. */
    @Override
    void close();
  }
}

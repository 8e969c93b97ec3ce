package dev.lumina.gateway;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The public services a second time, on an in-process server, for callers inside the gateway (the
 * HTTP front): the same service objects and interceptors as the public port, so keys, limits and
 * metrics apply alike, but no socket, so the public port's TLS (and client certificates under
 * mutual TLS) never stands between the gateway and itself.
 *
 * <p>Thread-safe. {@link #close} drains the channel, then the server.
 */
final class InProcessApi implements AutoCloseable {
  private final Server server;
  private final ManagedChannel channel;

  private InProcessApi(Server server, ManagedChannel channel) {
    this.server = server;
    this.channel = channel;
  }

  /**
   * Starts serving {@code services} in-process behind {@code interceptors}.
   *
   * @param maxInboundMessageBytes largest reply the channel accepts (frames of a job)
   */
  static InProcessApi start(
      List<BindableService> services,
      List<ServerInterceptor> interceptors,
      int maxInboundMessageBytes) {
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name);
    for (ServerInterceptor interceptor : interceptors) {
      builder.intercept(interceptor);
    }
    for (BindableService service : services) {
      builder.addService(service);
    }
    Server server;
    try {
      server = builder.build().start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the in-process API " + name, e);
    }
    ManagedChannel channel =
        InProcessChannelBuilder.forName(name).maxInboundMessageSize(maxInboundMessageBytes).build();
    return new InProcessApi(server, channel);
  }

  /** A channel to the services. */
  ManagedChannel channel() {
    return channel;
  }

  @Override
  public void close() {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
      server.shutdown();
      if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}

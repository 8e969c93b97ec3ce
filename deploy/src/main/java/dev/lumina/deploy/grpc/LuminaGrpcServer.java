package dev.lumina.deploy.grpc;

import io.grpc.Server;
import io.grpc.protobuf.services.HealthStatusManager;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A started gRPC server built by {@link GrpcServerFactory}. {@link #close()} marks health
 * NOT_SERVING, stops accepting calls, lets in-flight calls finish for the grace period, then
 * cancels the rest. Thread-safe; {@code close} is idempotent.
 */
public final class LuminaGrpcServer implements AutoCloseable {

  /** How long {@link #close()} waits for in-flight calls before cancelling them. */
  public static final Duration DEFAULT_GRACE = Duration.ofSeconds(5);

  private final Server server;
  private final HealthStatusManager health;

  LuminaGrpcServer(Server server, HealthStatusManager health) {
    this.server = server;
    this.health = health;
  }

  /** The bound port (the resolved one when started on port 0). */
  public int port() {
    return server.getPort();
  }

  /** The underlying server, for {@code awaitTermination} and inspection. */
  public Server server() {
    return server;
  }

  /** Blocks until the server has terminated. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /** Shuts down with {@link #DEFAULT_GRACE}. */
  @Override
  public void close() {
    close(DEFAULT_GRACE);
  }

  /** Marks NOT_SERVING, drains in-flight calls for up to {@code grace}, then forces shutdown. */
  public void close(Duration grace) {
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        server.shutdownNow();
        server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}

package dev.lumina.it;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An in-process gRPC server and a channel to it, closed after each test.
 *
 * <pre>{@code
 * @RegisterExtension final InProcessGrpcFixture grpc = new InProcessGrpcFixture();
 * ManagedChannel ch = grpc.start(new MyService());
 * }</pre>
 *
 * <p>Calls run on the transport thread ({@code directExecutor}) so tests are deterministic. Not
 * thread-safe: {@code start} once per test from the test thread.
 */
public final class InProcessGrpcFixture implements AfterEachCallback {

  private Server server;
  private ManagedChannel channel;

  /** Starts a server with {@code services} under a unique name and returns a channel to it. */
  public ManagedChannel start(BindableService... services) throws IOException {
    if (server != null) {
      throw new IllegalStateException("InProcessGrpcFixture already started in this test");
    }
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor();
    for (BindableService service : services) {
      builder.addService(service);
    }
    server = builder.build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    return channel;
  }

  /** The channel of the started server. */
  public ManagedChannel channel() {
    if (channel == null) {
      throw new IllegalStateException("call start(...) first");
    }
    return channel;
  }

  @Override
  public void afterEach(ExtensionContext context) throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      channel = null;
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server = null;
    }
  }
}

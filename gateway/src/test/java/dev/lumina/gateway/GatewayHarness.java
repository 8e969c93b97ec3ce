package dev.lumina.gateway;

import dev.lumina.proto.Tiers;
import dev.lumina.proto.cluster.v1.ChunkSinkGrpc;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.ModelsGrpc;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The gateway's services (requests {@linkplain RequestParsing#guard guarded} as the gateway serves
 * them) over the in-process transport or loopback TCP, with a {@link RecordingPublisher}.
 */
final class GatewayHarness implements AutoCloseable {
  static final int MAX_MESSAGE_BYTES = 64 * 1024;
  final RecordingPublisher publisher = new RecordingPublisher();
  final ModelCatalog catalog =
      new ModelCatalog(List.of(TestModels.pictures(), TestModels.audio()), TestModels.PICTURES);
  final JobTable table = new JobTable(1000);
  private final RequestParsing parsing = new RequestParsing(Duration.ofSeconds(10));
  private final Server server;
  private final ManagedChannel channel;

  GatewayHarness(ApiKeys apiKeys) throws IOException {
    this(apiKeys, false);
  }

  /**
   * The services in-process, or with {@code overLoopback} on a Netty server on a loopback port with
   * the interceptors server-wide, as the gateway runs them.
   */
  GatewayHarness(ApiKeys apiKeys, boolean overLoopback) throws IOException {
    GenerationService generation =
        new GenerationService(
            new RequestValidator(catalog, Tiers.defaults()),
            publisher,
            table,
            Clock.systemUTC(),
            "127.0.0.1:1",
            Duration.ofMillis(200));
    Tenancy tenancy = new Tenancy(apiKeys);
    MessageSizeLimit sizeLimit = new MessageSizeLimit(MAX_MESSAGE_BYTES);
    if (overLoopback) {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
              .intercept(sizeLimit)
              .intercept(tenancy)
              .addService(parsing.guard(generation))
              .addService(parsing.guard(new ModelsService(catalog)))
              .addService(new HealthStatusManager().getHealthService())
              .addService(new ChunkSinkService(table))
              .build()
              .start();
      channel =
          NettyChannelBuilder.forAddress(
                  InetAddress.getLoopbackAddress().getHostAddress(), server.getPort())
              .usePlaintext()
              .build();
      return;
    }
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(ServerInterceptors.intercept(parsing.guard(generation), sizeLimit, tenancy))
            .addService(
                ServerInterceptors.intercept(parsing.guard(new ModelsService(catalog)), tenancy))
            .addService(
                ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), tenancy))
            .addService(new ChunkSinkService(table))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  /** The channel to the services, for calls the stubs cannot make. */
  Channel channel() {
    return channel;
  }

  GenerationGrpc.GenerationBlockingStub generation() {
    return GenerationGrpc.newBlockingStub(channel);
  }

  /** A Generation stub sending {@code apiKey} as {@code x-api-key}; null sends no header. */
  GenerationGrpc.GenerationBlockingStub generation(String apiKey) {
    return apiKey == null
        ? generation()
        : GenerationGrpc.newBlockingStub(channel).withInterceptors(withKey(apiKey));
  }

  ModelsGrpc.ModelsBlockingStub models() {
    return ModelsGrpc.newBlockingStub(channel);
  }

  /** A Models stub sending {@code apiKey} as {@code x-api-key}; null sends no header. */
  ModelsGrpc.ModelsBlockingStub models(String apiKey) {
    return apiKey == null ? models() : models().withInterceptors(withKey(apiKey));
  }

  private static io.grpc.ClientInterceptor withKey(String apiKey) {
    Metadata h = new Metadata();
    h.put(Tenancy.API_KEY, apiKey);
    return MetadataUtils.newAttachHeadersInterceptor(h);
  }

  /** gRPC health, behind the same tenancy as the public services. */
  HealthGrpc.HealthBlockingStub health() {
    return HealthGrpc.newBlockingStub(channel);
  }

  ChunkSinkGrpc.ChunkSinkStub chunkSink() {
    return ChunkSinkGrpc.newStub(channel);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdownNow();
  }
}

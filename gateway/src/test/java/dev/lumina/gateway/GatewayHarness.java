package dev.lumina.gateway;

import dev.lumina.proto.Tiers;
import dev.lumina.proto.cluster.v1.ChunkSinkGrpc;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.ModelsGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** The gateway's services over the in-process transport, with a {@link RecordingPublisher}. */
final class GatewayHarness implements AutoCloseable {
  static final int MAX_MESSAGE_BYTES = 64 * 1024;
  final RecordingPublisher publisher = new RecordingPublisher();
  final ModelCatalog catalog =
      new ModelCatalog(List.of(TestModels.pictures(), TestModels.audio()), TestModels.PICTURES);
  final JobTable table = new JobTable(1000);
  private final Server server;
  private final ManagedChannel channel;

  GatewayHarness(ApiKeys apiKeys) throws IOException {
    String name = InProcessServerBuilder.generateName();
    GenerationService generation =
        new GenerationService(
            new RequestValidator(catalog, Tiers.defaults()),
            publisher,
            table,
            Clock.systemUTC(),
            "127.0.0.1:1",
            Duration.ofMillis(200));
    Tenancy tenancy = new Tenancy(apiKeys);
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                ServerInterceptors.intercept(
                    generation, new MessageSizeLimit(MAX_MESSAGE_BYTES), tenancy))
            .addService(ServerInterceptors.intercept(new ModelsService(catalog), tenancy))
            .addService(
                ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), tenancy))
            .addService(new ChunkSinkService(table))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
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

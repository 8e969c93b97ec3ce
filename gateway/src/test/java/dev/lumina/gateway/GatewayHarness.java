package dev.lumina.gateway;

import dev.lumina.proto.Tiers;
import dev.lumina.proto.cluster.v1.ChunkBatch;
import dev.lumina.proto.cluster.v1.ChunkSinkGrpc;
import dev.lumina.proto.cluster.v1.DeliverAck;
import dev.lumina.proto.v1.GenerationChunk;
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
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's services (requests {@linkplain RequestParsing#guard guarded} as the gateway serves
 * them) over the in-process transport or loopback TCP, with a {@link RecordingPublisher}.
 */
final class GatewayHarness implements AutoCloseable {
  static final int MAX_MESSAGE_BYTES = 64 * 1024;
  final RecordingPublisher publisher = new RecordingPublisher();
  final ModelCatalog catalog =
      new ModelCatalog(List.of(TestModels.pictures(), TestModels.audio()), TestModels.PICTURES);
  final ArtifactBytes bytes;
  final JobTable table;
  private final java.util.concurrent.ExecutorService streams =
      java.util.concurrent.Executors.newCachedThreadPool();
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
    this(apiKeys, overLoopback, null);
  }

  /** As above, reading artifacts back from {@code store} (null = no store). */
  GatewayHarness(ApiKeys apiKeys, boolean overLoopback, dev.lumina.artifacts.ArtifactStore store)
      throws IOException {
    this(apiKeys, overLoopback, store, Quotas.none());
  }

  /** As above, with {@code quotas} enforced as the gateway enforces them. */
  GatewayHarness(
      ApiKeys apiKeys,
      boolean overLoopback,
      dev.lumina.artifacts.ArtifactStore store,
      Quotas quotas)
      throws IOException {
    bytes = new ArtifactBytes(java.util.Optional.ofNullable(store));
    table = new JobTable(1000, bytes);
    Admission admission;
    GenerationService generation =
        new GenerationService(
            new RequestValidator(catalog, Tiers.defaults()),
            admission = new Admission(quotas, table),
            publisher,
            table,
            Clock.systemUTC(),
            "127.0.0.1:1",
            Duration.ofMillis(200),
            bytes,
            streams);
    Tenancy tenancy = new Tenancy(apiKeys);
    MessageSizeLimit sizeLimit = new MessageSizeLimit(MAX_MESSAGE_BYTES);
    if (overLoopback) {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
              .intercept(admission)
              .intercept(sizeLimit)
              .intercept(tenancy)
              .addService(parsing.guard(generation))
              .addService(parsing.guard(new ModelsService(catalog)))
              .addService(new HealthStatusManager().getHealthService())
              .addService(new ChunkSinkService(table, new SimpleMeterRegistry()))
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
            .addService(
                ServerInterceptors.intercept(
                    parsing.guard(generation), admission, sizeLimit, tenancy))
            .addService(
                ServerInterceptors.intercept(
                    parsing.guard(new ModelsService(catalog)), admission, tenancy))
            .addService(
                ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), tenancy))
            .addService(new ChunkSinkService(table, new SimpleMeterRegistry()))
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

  /** Delivers {@code chunks} over one ChunkSink call, one per batch; returns the ack's count. */
  long deliver(GenerationChunk... chunks) throws Exception {
    CompletableFuture<DeliverAck> ack = new CompletableFuture<>();
    StreamObserver<ChunkBatch> in =
        chunkSink()
            .deliver(
                new StreamObserver<>() {
                  @Override
                  public void onNext(DeliverAck v) {
                    ack.complete(v);
                  }

                  @Override
                  public void onError(Throwable t) {
                    ack.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    for (GenerationChunk c : chunks) {
      in.onNext(ChunkBatch.newBuilder().addChunks(c).build());
    }
    in.onCompleted();
    return ack.get(5, TimeUnit.SECONDS).getReceived();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdownNow();
    streams.shutdownNow();
  }
}

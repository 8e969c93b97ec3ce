package dev.lumina.it.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lumina.artifacts.FileSystemArtifactStore;
import dev.lumina.deploy.grpc.GrpcServerFactory;
import dev.lumina.gateway.GatewayConfig;
import dev.lumina.gateway.GatewayServer;
import dev.lumina.it.KafkaBrokerExtension;
import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.ModelCard;
import dev.lumina.proto.v1.ArtifactChunk;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.GetArtifactRequest;
import dev.lumina.proto.v1.GetJobRequest;
import dev.lumina.proto.v1.Job;
import dev.lumina.proto.v1.JobState;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.ModelInfo;
import dev.lumina.proto.v1.WatchRequest;
import dev.lumina.scheduler.SchedulerConfig;
import dev.lumina.scheduler.SchedulerServer;
import dev.lumina.worker.WorkerConfig;
import dev.lumina.worker.WorkerServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Results reach a client from any gateway: two gateways share one broker and one artifact store; a
 * job accepted by one is followed live, chunk by chunk, on the other, and its output bytes come
 * from the other after the first is gone.
 */
class AnyGatewayTest {
  @RegisterExtension static final KafkaBrokerExtension kafka = new KafkaBrokerExtension();

  @TempDir static Path tmp;
  private static FileSystemArtifactStore store;
  private static ScriptedJobExecutor executor;
  private static SchedulerServer scheduler;
  private static WorkerServer worker;
  private static GatewayConfig config;
  private static GatewayServer survivor;
  private static ManagedChannel survivorChannel;

  private static final int STEPS = 3;

  @BeforeAll
  static void startCluster() throws Exception {
    String bootstrap = kafka.bootstrapServers();
    store = new FileSystemArtifactStore(tmp.resolve("artifacts"));
    executor = new ScriptedJobExecutor(store, STEPS);
    scheduler = SchedulerServer.start(SchedulerConfig.builder(bootstrap).build());
    worker =
        new WorkerServer(
                WorkerConfig.builder(bootstrap, List.of(Topics.work(Modality.IMAGE, "s")), "any-gw")
                    .build(),
                executor)
            .start();
    config =
        GatewayConfig.local(bootstrap).toBuilder()
            .staticModels(List.of(card()))
            .artifacts(store)
            .build();
    survivor = GatewayServer.start(config, GrpcServerFactory.gatewayHost());
    survivorChannel = channel(survivor);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (survivorChannel != null) {
      survivorChannel.shutdownNow();
    }
    for (AutoCloseable c : new AutoCloseable[] {survivor, worker, scheduler}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void theOtherGatewayStreamsEveryChunkLiveAndTheFrameWithItsBytes() throws Exception {
    CountDownLatch release = executor.holdAfterFirstStepOfPrompt("live on the other gateway");
    try (GatewayServer accepting = GatewayServer.start(config, GrpcServerFactory.gatewayHost())) {
      ManagedChannel acceptingChannel = channel(accepting);
      try {
        Job job =
            GenerationGrpc.newBlockingStub(acceptingChannel)
                .submit(request("live on the other gateway", "live-1"));

        Watcher watcher = Watcher.on(survivorChannel, job.getJobId());
        // The job is held after step 1: the other gateway can only have seen it live.
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> watcher.chunks.stream().anyMatch(GenerationChunk::hasProgress));
        assertThat(watcher.done).isNotDone();
        release.countDown();

        List<GenerationChunk> chunks = watcher.done.get(30, TimeUnit.SECONDS);
        assertThat(chunks)
            .extracting(GenerationChunk::getSeq)
            .containsExactlyElementsOf(seqs(1, chunks.size()));
        assertThat(chunks.get(0).hasAccepted()).isTrue();
        assertThat(chunks.stream().filter(GenerationChunk::hasProgress)).hasSize(STEPS);
        GenerationChunk frame = chunks.stream().filter(GenerationChunk::hasFrame).findFirst().get();
        byte[] stored = Files.readAllBytes(Path.of(java.net.URI.create(frame.getFrame().getUri())));
        assertThat(frame.getFrame().getData().toByteArray()).isNotEmpty().isEqualTo(stored);
        assertThat(chunks.get(chunks.size() - 1).hasCompleted()).isTrue();
      } finally {
        acceptingChannel.shutdownNow();
      }
    } finally {
      release.countDown();
    }
  }

  @Test
  void afterTheAcceptingGatewayDiedTheOtherReplaysTheJobAndServesItsArtifact() throws Exception {
    Job job;
    try (GatewayServer accepting = GatewayServer.start(config, GrpcServerFactory.gatewayHost())) {
      ManagedChannel acceptingChannel = channel(accepting);
      try {
        job =
            GenerationGrpc.newBlockingStub(acceptingChannel)
                .submit(request("the gateway dies", "dies-1"));
      } finally {
        acceptingChannel.shutdownNow();
      }
    }
    GenerationGrpc.GenerationBlockingStub other = GenerationGrpc.newBlockingStub(survivorChannel);
    GetJobRequest get = GetJobRequest.newBuilder().setJobId(job.getJobId()).build();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> other.getJob(get).getState() == JobState.SUCCEEDED);

    List<GenerationChunk> replay = new ArrayList<>();
    other
        .watch(WatchRequest.newBuilder().setJobId(job.getJobId()).build())
        .forEachRemaining(replay::add);
    assertThat(replay)
        .extracting(GenerationChunk::getSeq)
        .containsExactlyElementsOf(seqs(1, replay.size()));
    assertThat(replay.stream().filter(GenerationChunk::hasFrame))
        .singleElement()
        .satisfies(c -> assertThat(c.getFrame().getData().size()).isPositive());

    ByteArrayOutputStream png = new ByteArrayOutputStream();
    String sha = "";
    var pieces =
        other.getArtifact(
            GetArtifactRequest.newBuilder().setJobId(job.getJobId()).setIndex(0).build());
    while (pieces.hasNext()) {
      ArtifactChunk p = pieces.next();
      p.getData().writeTo(png);
      sha = p.getSha256();
    }
    byte[] bytes = png.toByteArray();
    assertThat(bytes).startsWith(0x89, 'P', 'N', 'G');
    assertThat(sha)
        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)))
        .isEqualTo(other.getJob(get).getArtifacts(0).getSha256());
  }

  private static GenerateRequest request(String prompt, String requestId) {
    return GenerateRequest.newBuilder().setPrompt(prompt).setRequestId(requestId).build();
  }

  private static List<Long> seqs(long first, int count) {
    List<Long> s = new ArrayList<>();
    for (long i = first; i < first + count; i++) {
      s.add(i);
    }
    return s;
  }

  private static ManagedChannel channel(GatewayServer g) {
    return NettyChannelBuilder.forAddress("127.0.0.1", g.port()).usePlaintext().build();
  }

  static ModelCard card() {
    return ModelCard.newBuilder()
        .setInfo(
            ModelInfo.newBuilder()
                .setName("scripted")
                .addModalities(Modality.IMAGE)
                .setDownsample(8)
                .setPatchSize(2)
                .setPixelUnit(16)
                .setMaxTokens(4096)
                .setMinSide(64)
                .setMaxSide(512)
                .setMaxAspect(4f)
                .setMaxSteps(50)
                .setMaxPromptBytes(256)
                .setDefaultGeometry(
                    dev.lumina.proto.v1.Geometry.newBuilder().setWidth(128).setHeight(128))
                .setDefaultSampling(dev.lumina.proto.v1.Sampling.newBuilder().setSteps(STEPS)))
        .build();
  }

  /** A Watch call collecting its chunks; {@link #done} completes when the stream ends. */
  private static final class Watcher implements StreamObserver<GenerationChunk> {
    final List<GenerationChunk> chunks = new CopyOnWriteArrayList<>();
    final CompletableFuture<List<GenerationChunk>> done = new CompletableFuture<>();

    static Watcher on(ManagedChannel channel, String jobId) {
      Watcher w = new Watcher();
      GenerationGrpc.newStub(channel).watch(WatchRequest.newBuilder().setJobId(jobId).build(), w);
      return w;
    }

    @Override
    public void onNext(GenerationChunk c) {
      chunks.add(c);
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      done.complete(List.copyOf(chunks));
    }
  }
}

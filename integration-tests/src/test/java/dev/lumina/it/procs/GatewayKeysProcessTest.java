package dev.lumina.it.procs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lumina.deploy.cli.Lumina;
import dev.lumina.it.KafkaBrokerExtension;
import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.ModelCard;
import dev.lumina.proto.v1.CancelRequest;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.GetJobRequest;
import dev.lumina.proto.v1.Job;
import dev.lumina.proto.v1.ListModelsRequest;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.ModelInfo;
import dev.lumina.proto.v1.ModelsGrpc;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.proto.v1.WatchRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A {@code lumina gateway} process started with {@code --api-keys} on a real broker, its keys made
 * by {@code lumina keys add}: every public RPC over loopback without a key, with a wrong key and
 * with another tenant's key; rotation by rewriting the file while it runs; and the refusal to start
 * without keys.
 */
class GatewayKeysProcessTest {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Pattern GATEWAY_READY =
      Pattern.compile("serving lumina\\.v1 on [^:]+:(\\d+)[ ,]");

  private static final String MODEL = "keys-test-model";

  @RegisterExtension static final KafkaBrokerExtension kafka = new KafkaBrokerExtension();
  @TempDir static Path dir;

  private static Path keyFile;
  private static String keyA;
  private static String keyB;
  private static RoleProcess gateway;
  private static ManagedChannel channel;

  /** {@code lumina keys add TENANT --file keyFile}: its stdout, which must be the key alone. */
  private static String addKey(String tenant) {
    StringWriter out = new StringWriter();
    CommandLine cmd = Lumina.newCommandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(new StringWriter(), true));
    assertThat(cmd.execute("keys", "add", tenant, "--file", keyFile.toString())).isZero();
    assertThat(out.toString().lines()).hasSize(1);
    return out.toString().strip();
  }

  @BeforeAll
  static void start() {
    keyFile = dir.resolve("conf").resolve("lumina.keys");
    keyA = addKey("team-a");
    keyB = addKey("team-b");
    gateway =
        RoleProcess.start(
            "gateway",
            dir,
            "192m",
            List.of(
                "gateway",
                "--kafka",
                kafka.bootstrapServers(),
                "--port",
                "0",
                "--chunk-sink-port",
                "0",
                "--api-keys",
                keyFile.toString()));
    int port = Integer.parseInt(gateway.awaitLine(GATEWAY_READY, START_TIMEOUT).group(1));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    await()
        .atMost(START_TIMEOUT)
        .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
        .until(
            () ->
                HealthGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.getDefaultInstance())
                        .getStatus()
                    == ServingStatus.SERVING);
    announceModel();
    await()
        .atMost(START_TIMEOUT)
        .until(
            () ->
                as(keyA, ModelsGrpc.newBlockingStub(channel))
                    .listModels(ListModelsRequest.getDefaultInstance())
                    .getModelsList()
                    .stream()
                    .anyMatch(m -> m.getName().equals(MODEL)));
  }

  /** A card on lumina.models as a worker would announce it; no worker runs, jobs just queue. */
  private static void announceModel() {
    ModelCard card =
        ModelCard.newBuilder()
            .setInfo(
                ModelInfo.newBuilder()
                    .setName(MODEL)
                    .addModalities(Modality.IMAGE)
                    .setDownsample(8)
                    .setPatchSize(2)
                    .setPixelUnit(16)
                    .setLatentChannels(4)
                    .setMaxTokens(300_000)
                    .setMinSide(256)
                    .setMaxSide(1024)
                    .setMaxAspect(4f)
                    .setMaxSteps(50)
                    .setMaxPromptBytes(512)
                    .setDefaultGeometry(Geometry.newBuilder().setWidth(256).setHeight(256))
                    .setDefaultSampling(Sampling.newBuilder().setSteps(4)))
            .build();
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      producer
          .send(new ProducerRecord<>(Topics.MODELS, MODEL, card.toByteArray()))
          .get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("cannot announce the test model: " + e, e);
    }
  }

  @AfterAll
  static void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (gateway != null) {
      gateway.close();
    }
  }

  private static <S extends AbstractStub<S>> S as(String key, S stub) {
    S s = stub.withDeadlineAfter(20, TimeUnit.SECONDS);
    if (key == null) {
      return s;
    }
    Metadata h = new Metadata();
    h.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), key);
    return s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
  }

  private static GenerationGrpc.GenerationBlockingStub generation(String key) {
    return as(key, GenerationGrpc.newBlockingStub(channel));
  }

  private static GenerateRequest request(String requestId) {
    return GenerateRequest.newBuilder()
        .setPrompt("a paper boat")
        .setModel(MODEL)
        .setRequestId(requestId)
        .build();
  }

  private static Status.Code codeOf(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  /** Every RPC of lumina.v1 Generation and Models, by name, on {@code job}, with the given key. */
  private static Map<String, Runnable> rpcs(String key, String job) {
    return Map.of(
        "Generate", () -> generation(key).generate(request("")).hasNext(),
        "Submit", () -> generation(key).submit(request("")),
        "Watch",
            () -> generation(key).watch(WatchRequest.newBuilder().setJobId(job).build()).hasNext(),
        "Cancel", () -> generation(key).cancel(CancelRequest.newBuilder().setJobId(job).build()),
        "GetJob", () -> generation(key).getJob(GetJobRequest.newBuilder().setJobId(job).build()),
        "ListModels",
            () ->
                as(key, ModelsGrpc.newBlockingStub(channel))
                    .listModels(ListModelsRequest.getDefaultInstance()));
  }

  private static Map<String, Status.Code> codes(
      Function<String, Runnable> byName, String... names) {
    java.util.TreeMap<String, Status.Code> m = new java.util.TreeMap<>();
    for (String n : names) {
      m.put(n, codeOf(byName.apply(n)));
    }
    return m;
  }

  @Test
  void withoutAKeyOrWithAWrongKeyEveryRpcIsUnauthenticated() {
    String job = generation(keyA).submit(request("auth-1")).getJobId();
    String[] all = {"Generate", "Submit", "Watch", "Cancel", "GetJob", "ListModels"};
    assertThat(codes(n -> rpcs(null, job).get(n), all))
        .containsOnlyKeys(all)
        .allSatisfy((n, c) -> assertThat(c).as(n).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThat(codes(n -> rpcs("lsk_wrong", job).get(n), all))
        .allSatisfy((n, c) -> assertThat(c).as(n).isEqualTo(Status.Code.UNAUTHENTICATED));
  }

  @Test
  void anotherTenantsJobIsNotFoundForGetJobWatchAndCancel() {
    String job = generation(keyA).submit(request("mine-1")).getJobId();
    assertThat(codes(n -> rpcs(keyB, job).get(n), "Watch", "Cancel", "GetJob"))
        .allSatisfy((n, c) -> assertThat(c).as(n).isEqualTo(Status.Code.NOT_FOUND));
    assertThat(generation(keyA).getJob(GetJobRequest.newBuilder().setJobId(job).build()).getJobId())
        .isEqualTo(job);
  }

  @Test
  void theSameRequestIdFromTwoTenantsIsTwoJobs() {
    Job a = generation(keyA).submit(request("shared-id"));
    Job b = generation(keyB).submit(request("shared-id"));
    assertThat(a.getJobId()).isNotEqualTo(b.getJobId());
    assertThat(generation(keyA).submit(request("shared-id")).getJobId()).isEqualTo(a.getJobId());
  }

  @Test
  void rewritingTheFileRevokesTheOldKeyAndAcceptsTheNewWithoutARestart() throws Exception {
    String keyC = addKey("team-c");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> codeOf(() -> generation(keyC).submit(request("c-1"))) == Status.Code.OK);
    String before = Files.readString(keyFile);
    try {
      // Rewritten as operators should: a whole new file renamed over the old one.
      replaceKeyFile(
          before
              .lines()
              .filter(l -> !l.startsWith("team-c "))
              .map(l -> l + "\n")
              .reduce("", String::concat));
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  codeOf(() -> generation(keyC).submit(request("c-2")))
                      == Status.Code.UNAUTHENTICATED);
      assertThat(codeOf(() -> generation(keyA).submit(request("a-after"))))
          .isEqualTo(Status.Code.OK);
    } finally {
      replaceKeyFile(before);
    }
  }

  private static void replaceKeyFile(String text) throws java.io.IOException {
    Path next = keyFile.resolveSibling("lumina.keys.next");
    Files.writeString(next, text);
    Files.move(next, keyFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void aGatewayWithoutKeysAndWithoutAllowAnonymousExitsTwo() {
    RoleProcess refused =
        RoleProcess.start(
            "gateway-no-keys",
            dir,
            "128m",
            List.of("gateway", "--kafka", kafka.bootstrapServers(), "--port", "0"));
    assertThat(refused.awaitExit(START_TIMEOUT)).isEqualTo(2);
    assertThat(refused.output()).contains("lumina keys add TENANT --file FILE");
  }
}

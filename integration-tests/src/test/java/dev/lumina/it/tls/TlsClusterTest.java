package dev.lumina.it.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.lumina.deploy.bench.BenchModelDir;
import dev.lumina.deploy.cli.Lumina;
import dev.lumina.deploy.cluster.ClusterSettings;
import dev.lumina.deploy.cluster.EmbeddedCluster;
import dev.lumina.deploy.tls.ClientTls;
import dev.lumina.deploy.tls.ServerTls;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.ListModelsRequest;
import dev.lumina.proto.v1.ModelsGrpc;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The all-in-one cluster with TLS on its public port ({@code lumina serve --tls-cert --tls-key}):
 * clients that trust the gateway's CA get their generations, others are refused in the handshake;
 * the embedded worker delivers its chunks to the ChunkSink over TLS; the HTTP front keeps
 * answering. The gateway's certificate names only {@code localhost}, so clients dial that name,
 * while the worker dials the bind address 127.0.0.1 the certificate does not name.
 */
class TlsClusterTest {
  @TempDir static Path tmp;
  private static TestCertificates.Ca gatewayCa;
  private static TestCertificates.Ca otherCa;
  private static EmbeddedCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    TestCertificates certs = new TestCertificates(tmp);
    gatewayCa = certs.ca("gateway");
    otherCa = certs.ca("other");
    TestCertificates.Leaf server = certs.leaf(gatewayCa, "gateway", "dns:localhost", "serverAuth");
    Path model = BenchModelDir.write(tmp.resolve("model"));
    cluster =
        EmbeddedCluster.start(
            ClusterSettings.ephemeral(model, tmp.resolve("data"), "it-tls")
                .withHttpPort(0)
                .withMetricsPort(0)
                .withTls(ServerTls.load("--tls", server.chain(), server.key(), Optional.empty())),
            new PrintWriter(new StringWriter(), true));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aClientTrustingTheCaGetsItsImageAndTheWorkerDeliveredTheChunksOverTls() throws Exception {
    List<GenerationChunk> chunks = generate(trusting(gatewayCa));
    assertThat(chunks).anyMatch(GenerationChunk::hasFrame);
    assertThat(chunks.get(chunks.size() - 1).hasCompleted()).isTrue();
    // Chunks also reach the gateway through Kafka; this counter moves only for deliveries to the
    // ChunkSink port, which speaks TLS only.
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(deliveredChunks()).isPositive());
  }

  @Test
  void aPlaintextClientIsRefusedUnavailable() throws Exception {
    assertThatThrownBy(() -> listModels(InsecureChannelCredentials.create()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void aClientTrustingAnotherCaIsRefusedUnavailable() throws Exception {
    assertThatThrownBy(() -> listModels(trusting(otherCa)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void theHttpFrontStillAnswersImageGenerationsWhileTheGrpcPortSpeaksTls() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:"
                                + cluster.httpPort().orElseThrow()
                                + "/v1/images/generations"))
                    .timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"a red square\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonObject first =
        JsonParser.parseString(r.body())
            .getAsJsonObject()
            .getAsJsonArray("data")
            .get(0)
            .getAsJsonObject();
    byte[] png = Base64.getDecoder().decode(first.get("b64_json").getAsString());
    assertThat(png).startsWith(0x89, 'P', 'N', 'G');
  }

  @Test
  void lumina_generate_withTlsCaWritesTheImage() throws Exception {
    Path out = tmp.resolve("cli-out");
    StringWriter err = new StringWriter();
    var cmd = Lumina.newCommandLine();
    cmd.setOut(new PrintWriter(new StringWriter(), true));
    cmd.setErr(new PrintWriter(err, true));
    int code =
        cmd.execute(
            "generate",
            "a red square",
            "--server",
            "localhost:" + cluster.gatewayPort(),
            "--tls-ca",
            gatewayCa.cert().toString(),
            "--out",
            out.toString(),
            "--timeout",
            "60");
    assertThat(code).as(err.toString()).isZero();
    try (var files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.endsWith(".png"));
    }
  }

  @Test
  void lumina_generate_withoutTlsFlagsAgainstTheTlsPortFailsWithExitCode1() {
    StringWriter err = new StringWriter();
    var cmd = Lumina.newCommandLine();
    cmd.setOut(new PrintWriter(new StringWriter(), true));
    cmd.setErr(new PrintWriter(err, true));
    int code =
        cmd.execute(
            "generate",
            "a red square",
            "--server",
            "localhost:" + cluster.gatewayPort(),
            "--out",
            tmp.resolve("cli-plain").toString(),
            "--timeout",
            "20");
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("localhost:" + cluster.gatewayPort());
  }

  @Test
  void lumina_generate_trustingAnotherCaSaysTheTlsHandshakeFailed() {
    StringWriter err = new StringWriter();
    var cmd = Lumina.newCommandLine();
    cmd.setOut(new PrintWriter(new StringWriter(), true));
    cmd.setErr(new PrintWriter(err, true));
    int code =
        cmd.execute(
            "generate",
            "a red square",
            "--server",
            "localhost:" + cluster.gatewayPort(),
            "--tls-ca",
            otherCa.cert().toString(),
            "--out",
            tmp.resolve("cli-other-ca").toString(),
            "--timeout",
            "20");
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("TLS with localhost:" + cluster.gatewayPort() + " failed");
  }

  static ChannelCredentials trusting(TestCertificates.Ca ca) throws Exception {
    return ClientTls.load("--tls", Optional.of(ca.cert()), Optional.empty(), Optional.empty())
        .credentials();
  }

  private static List<GenerationChunk> generate(ChannelCredentials credentials)
      throws InterruptedException {
    return generate(cluster.gatewayPort(), credentials);
  }

  /** Every chunk of one small generation on {@code localhost:port}. */
  static List<GenerationChunk> generate(int port, ChannelCredentials credentials)
      throws InterruptedException {
    ManagedChannel channel =
        Grpc.newChannelBuilder("localhost:" + port, credentials)
            .maxInboundMessageSize(64 * 1024 * 1024)
            .build();
    try {
      Iterator<GenerationChunk> it =
          GenerationGrpc.newBlockingStub(channel)
              .withDeadlineAfter(60, TimeUnit.SECONDS)
              .generate(GenerateRequest.newBuilder().setPrompt("a red square").build());
      List<GenerationChunk> chunks = new ArrayList<>();
      it.forEachRemaining(chunks::add);
      return chunks;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static void listModels(ChannelCredentials credentials) throws InterruptedException {
    listModels(cluster.gatewayPort(), credentials);
  }

  /** One ListModels call on {@code localhost:port}. */
  static void listModels(int port, ChannelCredentials credentials) throws InterruptedException {
    ManagedChannel channel = Grpc.newChannelBuilder("localhost:" + port, credentials).build();
    try {
      ModelsGrpc.newBlockingStub(channel)
          .withDeadlineAfter(20, TimeUnit.SECONDS)
          .listModels(ListModelsRequest.getDefaultInstance());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static double deliveredChunks() throws Exception {
    String metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + cluster.metricsPort().orElseThrow() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher m =
        Pattern.compile("(?m)^lumina_gateway_delivered_chunks_total(?:\\{[^}]*\\})? (\\S+)$")
            .matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }
}

package dev.lumina.it.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.deploy.bench.BenchModelDir;
import dev.lumina.deploy.cli.Lumina;
import dev.lumina.deploy.cluster.ClusterSettings;
import dev.lumina.deploy.cluster.EmbeddedCluster;
import dev.lumina.deploy.tls.ClientTls;
import dev.lumina.deploy.tls.ServerTls;
import dev.lumina.proto.v1.GenerationChunk;
import io.grpc.ChannelCredentials;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The all-in-one cluster with mutual TLS on its public port ({@code --tls-client-ca}): only a
 * client presenting a certificate signed by the client CA gets through; the embedded worker still
 * delivers (its ChunkSink trusts the gateway's own certificate, not the client CA).
 */
class MutualTlsClusterTest {
  @TempDir static Path tmp;
  private static TestCertificates.Ca gatewayCa;
  private static TestCertificates.Leaf client;
  private static TestCertificates.Leaf stranger;
  private static EmbeddedCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    TestCertificates certs = new TestCertificates(tmp);
    gatewayCa = certs.ca("gateway");
    TestCertificates.Ca clientCa = certs.ca("clients");
    TestCertificates.Ca otherCa = certs.ca("other");
    TestCertificates.Leaf server = certs.leaf(gatewayCa, "gateway", "dns:localhost", "serverAuth");
    client = certs.leaf(clientCa, "client", "dns:client.test", "clientAuth");
    stranger = certs.leaf(otherCa, "stranger", "dns:client.test", "clientAuth");
    Path model = BenchModelDir.write(tmp.resolve("model"));
    cluster =
        EmbeddedCluster.start(
            ClusterSettings.ephemeral(model, tmp.resolve("data"), "it-mtls")
                .withTls(
                    ServerTls.load(
                        "--tls", server.chain(), server.key(), Optional.of(clientCa.cert()))),
            new PrintWriter(new StringWriter(), true));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aClientWithoutACertificateIsRefused() throws Exception {
    ChannelCredentials noCert = TlsClusterTest.trusting(gatewayCa);
    assertThatThrownBy(() -> TlsClusterTest.listModels(cluster.gatewayPort(), noCert))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void aClientWithACertificateOfAnotherCaIsRefused() throws Exception {
    ChannelCredentials wrong = presenting(stranger);
    assertThatThrownBy(() -> TlsClusterTest.listModels(cluster.gatewayPort(), wrong))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void aClientWithACertificateOfTheClientCaGetsItsImage() throws Exception {
    List<GenerationChunk> chunks =
        TlsClusterTest.generate(cluster.gatewayPort(), presenting(client));
    assertThat(chunks).anyMatch(GenerationChunk::hasFrame);
    assertThat(chunks.get(chunks.size() - 1).hasCompleted()).isTrue();
  }

  @Test
  void lumina_generate_withTlsCertAndKeyWritesTheImage() throws Exception {
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
            "--tls-cert",
            client.chain().toString(),
            "--tls-key",
            client.key().toString(),
            "--out",
            out.toString(),
            "--timeout",
            "60");
    assertThat(code).as(err.toString()).isZero();
    try (var files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.endsWith(".png"));
    }
  }

  private static ChannelCredentials presenting(TestCertificates.Leaf leaf) throws Exception {
    return ClientTls.load(
            "--tls",
            Optional.of(gatewayCa.cert()),
            Optional.of(leaf.chain()),
            Optional.of(leaf.key()))
        .credentials();
  }
}

package dev.lumina.deploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad TLS flags stop every command with exit code 2 and a message naming the flag and the file,
 * before anything starts (no broker, model or port is needed to see it).
 */
class TlsFlagsTest {
  @TempDir Path tmp;

  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  @Test
  void gatewayWithAMissingCertificateFileExits2NamingTheFlagAndThePath() {
    Path missing = tmp.resolve("no-cert.pem");
    CliRun r =
        run(
            "gateway",
            "--allow-anonymous",
            "--tls-cert",
            missing.toString(),
            "--tls-key",
            tmp.resolve("no-key.pem").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--tls-cert " + missing + ": no such file");
  }

  @Test
  void gatewayWithAFileThatIsNoCertificateExits2() throws Exception {
    Path junk = Files.writeString(tmp.resolve("junk.pem"), "not a certificate\n");
    CliRun r =
        run(
            "gateway",
            "--allow-anonymous",
            "--chunk-sink-tls-cert",
            junk.toString(),
            "--chunk-sink-tls-key",
            junk.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--chunk-sink-tls-cert " + junk + ": no PEM certificate");
  }

  @Test
  void gatewayWithAChunkSinkClientCaButNoCertificateExits2() throws Exception {
    Path ca = Files.writeString(tmp.resolve("ca.pem"), "unused\n");
    CliRun r = run("gateway", "--allow-anonymous", "--chunk-sink-tls-client-ca", ca.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--chunk-sink-tls-client-ca " + ca);
  }

  @Test
  void serveWithACertificateButNoKeyExits2NamingTheMissingFlag() throws Exception {
    Path cert = Files.writeString(tmp.resolve("cert.pem"), "unused\n");
    CliRun r =
        run("serve", "--data-dir", tmp.resolve("data").toString(), "--tls-cert", cert.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--tls-key: required with --tls-cert");
    assertThat(tmp.resolve("data")).doesNotExist();
  }

  @Test
  void workerWithAMissingChunkSinkCaExits2BeforeLoadingTheModel() {
    Path missing = tmp.resolve("no-ca.pem");
    CliRun r =
        run(
            "worker",
            "--model",
            tmp.resolve("no-model").toString(),
            "--chunk-sink-tls-ca",
            missing.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--chunk-sink-tls-ca " + missing + ": no such file");
  }

  @Test
  void generateWithAMissingTlsCaExits2() {
    Path missing = tmp.resolve("no-ca.pem");
    CliRun r =
        run(
            "generate",
            "a red square",
            "--out",
            tmp.resolve("out").toString(),
            "--tls-ca",
            missing.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("lumina generate: --tls-ca " + missing + ": no such file");
  }

  @Test
  void batchWithAClientCertificateButNoKeyExits2() throws Exception {
    Path prompts = Files.writeString(tmp.resolve("p.jsonl"), "{\"prompt\":\"x\"}\n");
    Path cert = Files.writeString(tmp.resolve("client.pem"), "unused\n");
    CliRun r =
        run(
            "batch",
            prompts.toString(),
            "--out",
            tmp.resolve("batch").toString(),
            "--tls-cert",
            cert.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--tls-key: required with --tls-cert");
  }
}

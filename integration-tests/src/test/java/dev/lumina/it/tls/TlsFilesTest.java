package dev.lumina.it.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.deploy.tls.ClientTls;
import dev.lumina.deploy.tls.ServerTls;
import dev.lumina.deploy.tls.TlsFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS files are checked when they are read, so a command stops at start naming the flag and the
 * file: a key of another certificate, a certificate where a key belongs, a PKCS#1 key, a lone half
 * of a pair, a client CA without the port's own certificate.
 */
class TlsFilesTest {
  @TempDir static Path tmp;
  private static TestCertificates.Ca ca;
  private static TestCertificates.Leaf one;
  private static TestCertificates.Leaf two;

  @BeforeAll
  static void certificates() throws Exception {
    TestCertificates certs = new TestCertificates(tmp);
    ca = certs.ca("files");
    one = certs.leaf(ca, "one", "dns:localhost", "serverAuth");
    two = certs.leaf(ca, "two", "dns:localhost", "serverAuth");
  }

  @Test
  void aMatchingPairWithAClientCaLoadsAsMutualTls() throws Exception {
    ServerTls tls = ServerTls.load("--tls", one.chain(), one.key(), Optional.of(ca.cert()));
    assertThat(tls.mutual()).isTrue();
    assertThat(tls.describe()).contains("CN=one").contains("client certificates required");
    assertThat(tls.withClientCa("--chunk-sink-tls-client-ca", Optional.empty()).mutual()).isFalse();
  }

  @Test
  void theKeyOfAnotherCertificateNamesBothFlags() {
    assertThatThrownBy(() -> ServerTls.load("--tls", one.chain(), two.key(), Optional.empty()))
        .isInstanceOfSatisfying(
            TlsFileException.class, e -> assertThat(e.flag()).isEqualTo("--tls-key"))
        .hasMessageContaining(two.key().toString())
        .hasMessageContaining("does not belong to the certificate in --tls-cert");
  }

  @Test
  void aCertificateWhereTheKeyBelongsIsNoPrivateKey() {
    assertThatThrownBy(() -> ServerTls.load("--tls", one.chain(), one.chain(), Optional.empty()))
        .isInstanceOf(TlsFileException.class)
        .hasMessageStartingWith("--tls-key " + one.chain())
        .hasMessageContaining("no PEM private key");
  }

  @Test
  void aPkcs1KeySaysHowToConvertIt() throws Exception {
    Path rsa = tmp.resolve("pkcs1.pem");
    Files.writeString(
        rsa, "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");
    assertThatThrownBy(() -> ServerTls.load("--tls", one.chain(), rsa, Optional.empty()))
        .isInstanceOf(TlsFileException.class)
        .hasMessageContaining("--tls-key " + rsa)
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void aKeyWithoutItsCertificateNamesTheMissingFlag() {
    assertThatThrownBy(
            () ->
                ServerTls.loadIfGiven(
                    "--chunk-sink-tls", Optional.empty(), Optional.of(one.key()), Optional.empty()))
        .isInstanceOfSatisfying(
            TlsFileException.class, e -> assertThat(e.flag()).isEqualTo("--chunk-sink-tls-cert"))
        .hasMessageContaining("required with --chunk-sink-tls-key");
    assertThatThrownBy(
            () ->
                ClientTls.load(
                    "--tls", Optional.of(ca.cert()), Optional.of(one.chain()), Optional.empty()))
        .isInstanceOfSatisfying(
            TlsFileException.class, e -> assertThat(e.flag()).isEqualTo("--tls-key"));
  }

  @Test
  void aClientCaWithoutThePortsOwnCertificateIsRefused() {
    assertThatThrownBy(
            () ->
                ServerTls.loadIfGiven(
                    "--tls", Optional.empty(), Optional.empty(), Optional.of(ca.cert())))
        .isInstanceOfSatisfying(
            TlsFileException.class, e -> assertThat(e.flag()).isEqualTo("--tls-client-ca"))
        .hasMessageContaining("needs the port's own --tls-cert and --tls-key");
  }

  @Test
  void noFlagsAtAllIsPlaintext() throws Exception {
    assertThat(ServerTls.loadIfGiven("--tls", Optional.empty(), Optional.empty(), Optional.empty()))
        .isEmpty();
  }
}

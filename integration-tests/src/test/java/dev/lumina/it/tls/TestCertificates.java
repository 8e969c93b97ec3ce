package dev.lumina.it.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made at test time with the JDK's {@code keytool} (no key is committed): CAs, and
 * leaf certificates they sign, written as PEM files (chain and unencrypted PKCS#8 key) the way an
 * operator hands them to {@code lumina}. EC P-256 keys, valid for two days.
 *
 * <p>Not thread-safe; one instance per folder.
 */
public final class TestCertificates {
  private static final String PASS = "lumina-test";
  private final Path dir;

  public TestCertificates(Path dir) {
    this.dir = dir;
  }

  /** A CA's certificate ({@link #cert}) and the keystore that signs with it. */
  public record Ca(String name, Path keystore, Path cert) {}

  /** A leaf: its PEM chain (leaf, then CA) and its PEM PKCS#8 key. */
  public record Leaf(Path chain, Path key) {}

  /** A new self-signed CA. */
  public Ca ca(String name) throws IOException, InterruptedException {
    Path keystore = dir.resolve(name + "-ca.p12");
    Path cert = dir.resolve(name + "-ca.pem");
    keytool(
        "-genkeypair",
        "-alias",
        "ca",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=" + name + " test CA",
        "-ext",
        "bc:c",
        "-validity",
        "2",
        "-keystore",
        keystore.toString());
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "ca",
        "-keystore",
        keystore.toString(),
        "-file",
        cert.toString());
    return new Ca(name, keystore, cert);
  }

  /**
   * A leaf signed by {@code ca}.
   *
   * @param san subjectAltName entries, e.g. {@code dns:localhost}
   * @param eku extended key usage, e.g. {@code serverAuth} or {@code clientAuth}
   */
  public Leaf leaf(Ca ca, String name, String san, String eku)
      throws IOException, InterruptedException, GeneralSecurityException {
    Path keystore = dir.resolve(name + ".p12");
    Path csr = dir.resolve(name + ".csr");
    Path signed = dir.resolve(name + "-leaf.pem");
    keytool(
        "-genkeypair",
        "-alias",
        name,
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=" + name,
        "-validity",
        "2",
        "-keystore",
        keystore.toString());
    keytool("-certreq", "-alias", name, "-keystore", keystore.toString(), "-file", csr.toString());
    keytool(
        "-gencert",
        "-rfc",
        "-alias",
        "ca",
        "-keystore",
        ca.keystore().toString(),
        "-infile",
        csr.toString(),
        "-outfile",
        signed.toString(),
        "-validity",
        "2",
        "-ext",
        "san=" + san,
        "-ext",
        "eku=" + eku);
    Path chain = dir.resolve(name + "-chain.pem");
    Files.writeString(
        chain,
        Files.readString(signed, StandardCharsets.US_ASCII)
            + Files.readString(ca.cert(), StandardCharsets.US_ASCII));
    Path key = dir.resolve(name + "-key.pem");
    Files.writeString(key, pkcs8Pem(keystore, name));
    return new Leaf(chain, key);
  }

  private static String pkcs8Pem(Path keystore, String alias)
      throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, PASS.toCharArray());
    }
    Key key = ks.getKey(alias, PASS.toCharArray());
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  private void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("-storetype", "PKCS12", "-storepass", PASS, "-keypass", PASS, "-noprompt"));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("keytool " + String.join(" ", args) + " failed: " + out);
    }
  }
}

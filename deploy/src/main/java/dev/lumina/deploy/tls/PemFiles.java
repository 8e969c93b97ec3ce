package dev.lumina.deploy.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the PEM files TLS is configured with, eagerly, so a bad file stops a command at start with
 * the flag and the path rather than at the first handshake: certificates ({@code BEGIN
 * CERTIFICATE}, a chain leaf first) and unencrypted PKCS#8 private keys ({@code BEGIN PRIVATE KEY}:
 * RSA, EC or EdDSA). Stateless.
 */
final class PemFiles {
  private static final Pattern PKCS8 =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
  private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "EdDSA", "RSASSA-PSS");

  private PemFiles() {}

  /**
   * The certificates of {@code file}, in file order.
   *
   * @throws TlsFileException naming {@code flag} and the file when it is missing, unreadable, holds
   *     no PEM certificate, or its first certificate has expired
   */
  static X509Certificate[] certificates(String flag, Path file) throws TlsFileException {
    String text = read(flag, file);
    if (!text.contains("-----BEGIN CERTIFICATE-----")) {
      throw new TlsFileException(
          flag, file, "no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)");
    }
    List<X509Certificate> certs;
    try {
      certs =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))
              .stream()
              .map(X509Certificate.class::cast)
              .toList();
    } catch (CertificateException | RuntimeException e) {
      throw new TlsFileException(flag, file, "not a valid PEM certificate: " + e.getMessage(), e);
    }
    if (certs.isEmpty()) {
      throw new TlsFileException(flag, file, "no certificate in it");
    }
    try {
      certs.get(0).checkValidity();
    } catch (CertificateExpiredException e) {
      throw new TlsFileException(
          flag, file, "the certificate expired on " + certs.get(0).getNotAfter().toInstant(), e);
    } catch (CertificateException e) {
      // Not yet valid: clocks differ between machines; the handshake will say if it matters.
    }
    return certs.toArray(X509Certificate[]::new);
  }

  /**
   * The private key of {@code file}.
   *
   * @throws TlsFileException naming {@code flag} and the file when it is missing, unreadable,
   *     encrypted, not PKCS#8 (the message says how to convert it) or not a key this JDK reads
   */
  static PrivateKey privateKey(String flag, Path file) throws TlsFileException {
    String text = read(flag, file);
    Matcher m = PKCS8.matcher(text);
    if (!m.find()) {
      String problem =
          text.contains("ENCRYPTED PRIVATE KEY")
              ? "an encrypted key; the gateway reads unencrypted PKCS#8 only"
                  + " (openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8)"
              : text.contains("RSA PRIVATE KEY") || text.contains("EC PRIVATE KEY")
                  ? "a PKCS#1/SEC1 key; convert it to PKCS#8 (BEGIN PRIVATE KEY) with"
                      + " openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8"
                  : "no PEM private key in it (expected -----BEGIN PRIVATE KEY-----, PKCS#8)";
      throw new TlsFileException(flag, file, problem);
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(1).strip());
    } catch (IllegalArgumentException e) {
      throw new TlsFileException(flag, file, "the PEM key is not valid base64", e);
    }
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // Not this algorithm: try the next one.
      }
    }
    throw new TlsFileException(flag, file, "not an RSA, EC or EdDSA PKCS#8 private key");
  }

  /**
   * Checks that {@code key} belongs to {@code cert} by signing with the one and verifying with the
   * other; a mismatch would otherwise surface as a failed handshake on every connection.
   *
   * @throws TlsFileException naming both flags when they do not match
   */
  static void checkPair(
      String certFlag,
      Path certFile,
      X509Certificate cert,
      String keyFlag,
      Path keyFile,
      PrivateKey key)
      throws TlsFileException {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
          default -> null;
        };
    if (algorithm == null) {
      return;
    }
    byte[] probe = new byte[32];
    new SecureRandom().nextBytes(probe);
    boolean matches;
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(cert.getPublicKey());
      verifier.update(probe);
      matches = verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      matches = false;
    }
    if (!matches) {
      throw new TlsFileException(
          keyFlag,
          keyFile,
          "this key does not belong to the certificate in " + certFlag + " " + certFile);
    }
  }

  private static String read(String flag, Path file) throws TlsFileException {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
    } catch (NoSuchFileException e) {
      throw new TlsFileException(flag, file, "no such file", e);
    } catch (IOException e) {
      throw new TlsFileException(
          flag,
          file,
          Files.isDirectory(file) ? "a directory, not a PEM file" : "cannot read: " + e,
          e);
    }
  }
}

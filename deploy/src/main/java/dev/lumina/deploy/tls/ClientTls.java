package dev.lumina.deploy.tls;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettySslContextChannelCredentials;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * How a client reaches a gRPC port: plaintext, or TLS trusting either a given CA or the system's
 * trust store, optionally presenting a client certificate (mutual TLS). Files are read and checked
 * by {@link #load}, so a command fails at start naming the flag and the file. The server's host
 * name is checked against its certificate as usual.
 *
 * <p>Immutable and thread-safe.
 */
public final class ClientTls {
  private static final ClientTls PLAINTEXT =
      new ClientTls(InsecureChannelCredentials.create(), false);

  private final ChannelCredentials credentials;
  private final boolean tls;

  private ClientTls(ChannelCredentials credentials, boolean tls) {
    this.credentials = credentials;
    this.tls = tls;
  }

  /** No TLS. */
  public static ClientTls plaintext() {
    return PLAINTEXT;
  }

  /**
   * TLS settings from files. Flags are named {@code PREFIX-ca}, {@code PREFIX-cert} and {@code
   * PREFIX-key}, e.g. {@code --tls-ca} for the prefix {@code --tls}; errors name them.
   *
   * @param flagPrefix e.g. {@code --tls} or {@code --chunk-sink-tls}
   * @param ca PEM CA certificates the server's certificate must chain to; empty = the system trust
   *     store (the JDK's {@code cacerts})
   * @param cert PEM client certificate chain for mutual TLS; given together with {@code key}
   * @param key its PEM private key, unencrypted PKCS#8
   * @throws TlsFileException naming the flag when only one of {@code cert} and {@code key} is
   *     given, or naming the flag and the file when a file is unusable
   */
  public static ClientTls load(
      String flagPrefix, Optional<Path> ca, Optional<Path> cert, Optional<Path> key)
      throws TlsFileException {
    String certFlag = flagPrefix + "-cert";
    String keyFlag = flagPrefix + "-key";
    if (cert.isPresent() != key.isPresent()) {
      throw new TlsFileException(
          cert.isPresent() ? keyFlag : certFlag,
          null,
          "required with "
              + (cert.isPresent() ? certFlag : keyFlag)
              + " (a client certificate"
              + " needs its key)");
    }
    SslContextBuilder builder = GrpcSslContexts.forClient();
    if (ca.isPresent()) {
      builder.trustManager(PemFiles.certificates(flagPrefix + "-ca", ca.get()));
    }
    if (cert.isPresent()) {
      X509Certificate[] chain = PemFiles.certificates(certFlag, cert.get());
      PrivateKey privateKey = PemFiles.privateKey(keyFlag, key.get());
      PemFiles.checkPair(certFlag, cert.get(), chain[0], keyFlag, key.get(), privateKey);
      builder.keyManager(privateKey, chain);
    }
    try {
      return new ClientTls(NettySslContextChannelCredentials.create(builder.build()), true);
    } catch (SSLException | RuntimeException e) {
      String flag = ca.isPresent() ? flagPrefix + "-ca" : certFlag;
      throw new TlsFileException(flag, ca.or(() -> cert).orElse(null), "unusable: " + e, e);
    }
  }

  /** What a channel to the server is built with ({@code Grpc.newChannelBuilder(target, it)}). */
  public ChannelCredentials credentials() {
    return credentials;
  }

  /** True for TLS, false for plaintext. */
  public boolean isTls() {
    return tls;
  }
}

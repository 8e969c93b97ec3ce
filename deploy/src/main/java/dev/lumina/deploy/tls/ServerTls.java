package dev.lumina.deploy.tls;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettySslContextChannelCredentials;
import io.grpc.netty.NettySslContextServerCredentials;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * The TLS identity of one gRPC port: its certificate chain and private key, and, for mutual TLS,
 * the CA whose certificates clients must present. Files are read and checked by {@link #load}, so a
 * launcher fails at start naming the flag and the file; {@link #credentials} are what the project's
 * server factory binds the port with.
 *
 * <p>Immutable and thread-safe.
 */
public final class ServerTls {
  private final X509Certificate[] chain;
  private final PrivateKey key;
  private final Optional<X509Certificate[]> clientCa;
  private final ServerCredentials credentials;
  private final Path certFile;

  private ServerTls(
      X509Certificate[] chain, PrivateKey key, Optional<X509Certificate[]> clientCa, Path certFile)
      throws SSLException {
    SslContextBuilder builder = GrpcSslContexts.configure(SslContextBuilder.forServer(key, chain));
    clientCa.ifPresent(ca -> builder.trustManager(ca).clientAuth(ClientAuth.REQUIRE));
    this.credentials = NettySslContextServerCredentials.create(builder.build());
    this.chain = chain;
    this.key = key;
    this.clientCa = clientCa;
    this.certFile = certFile;
  }

  /**
   * Reads a port's TLS files. Flags are named {@code PREFIX-cert}, {@code PREFIX-key} and {@code
   * PREFIX-client-ca}, e.g. {@code --tls-cert} for the prefix {@code --tls}; errors name them.
   *
   * @param flagPrefix e.g. {@code --tls} or {@code --chunk-sink-tls}
   * @param cert PEM certificate chain, the port's own certificate first
   * @param key its PEM private key, unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY})
   * @param clientCa PEM CA certificates that sign client certificates; present = mutual TLS, a
   *     client without such a certificate is refused in the handshake
   * @throws TlsFileException naming the flag and the file when a file is missing, unreadable, not
   *     PEM of the right kind, or the key does not belong to the certificate
   */
  public static ServerTls load(String flagPrefix, Path cert, Path key, Optional<Path> clientCa)
      throws TlsFileException {
    String certFlag = flagPrefix + "-cert";
    String keyFlag = flagPrefix + "-key";
    X509Certificate[] chain = PemFiles.certificates(certFlag, cert);
    PrivateKey privateKey = PemFiles.privateKey(keyFlag, key);
    PemFiles.checkPair(certFlag, cert, chain[0], keyFlag, key, privateKey);
    Optional<X509Certificate[]> cas = Optional.empty();
    if (clientCa.isPresent()) {
      cas = Optional.of(PemFiles.certificates(flagPrefix + "-client-ca", clientCa.get()));
    }
    try {
      return new ServerTls(chain, privateKey, cas, cert);
    } catch (SSLException | RuntimeException e) {
      throw new TlsFileException(certFlag, cert, "unusable for TLS: " + e.getMessage(), e);
    }
  }

  /**
   * {@link #load} when {@code cert} and {@code key} are given; empty when neither is.
   *
   * @throws TlsFileException naming the missing flag when only one of the pair is given, or {@code
   *     PREFIX-client-ca} when it is given without them; or as {@link #load}
   */
  public static Optional<ServerTls> loadIfGiven(
      String flagPrefix, Optional<Path> cert, Optional<Path> key, Optional<Path> clientCa)
      throws TlsFileException {
    String certFlag = flagPrefix + "-cert";
    String keyFlag = flagPrefix + "-key";
    if (cert.isEmpty() && key.isEmpty()) {
      if (clientCa.isPresent()) {
        throw new TlsFileException(
            flagPrefix + "-client-ca",
            clientCa.get(),
            "mutual TLS needs the port's own " + certFlag + " and " + keyFlag);
      }
      return Optional.empty();
    }
    if (cert.isEmpty() || key.isEmpty()) {
      throw new TlsFileException(
          cert.isEmpty() ? certFlag : keyFlag,
          null,
          "required with " + (cert.isEmpty() ? keyFlag : certFlag));
    }
    return Optional.of(load(flagPrefix, cert.get(), key.get(), clientCa));
  }

  /**
   * This certificate and key with another client CA (empty = no client certificates asked for): for
   * a second port of the same host whose clients are another population, e.g. the ChunkSink port
   * reusing the public port's certificate for workers.
   *
   * @param flag the flag that names {@code clientCa}, for errors
   * @throws TlsFileException naming {@code flag} and the file when it is unusable
   */
  public ServerTls withClientCa(String flag, Optional<Path> clientCa) throws TlsFileException {
    Optional<X509Certificate[]> cas = Optional.empty();
    if (clientCa.isPresent()) {
      cas = Optional.of(PemFiles.certificates(flag, clientCa.get()));
    }
    try {
      return new ServerTls(chain, key, cas, certFile);
    } catch (SSLException | RuntimeException e) {
      throw new TlsFileException(flag, clientCa.orElse(null), "unusable for TLS: " + e, e);
    }
  }

  /** What a gRPC server binds its port with. */
  public ServerCredentials credentials() {
    return credentials;
  }

  /** True when clients must present a certificate signed by the client CA. */
  public boolean mutual() {
    return clientCa.isPresent();
  }

  /**
   * Server credentials for a port only this process calls (the all-in-one cluster's ChunkSink,
   * which its embedded worker delivers to): this certificate and key, and a client must present
   * this very certificate ({@link #selfPinnedClientCredentials}), so only a holder of this key can
   * deliver chunks, whatever the client CA says.
   */
  public ServerCredentials selfPinnedServerCredentials() {
    try {
      SslContext context =
          GrpcSslContexts.configure(SslContextBuilder.forServer(key, chain))
              .trustManager(new PinnedTrustManager(chain[0]))
              .clientAuth(ClientAuth.REQUIRE)
              .build();
      return NettySslContextServerCredentials.create(context);
    } catch (SSLException e) {
      throw new IllegalStateException("a TLS context that built once failed to build again", e);
    }
  }

  /**
   * Credentials for a client in this process that trusts exactly this certificate, whatever host
   * name it dials (a bind address such as {@code 0.0.0.0} the certificate need not name), and
   * presents it as its own: the pin replaces the CA and host name checks, since only a server
   * holding this certificate's key completes the handshake.
   */
  public ChannelCredentials selfPinnedClientCredentials() {
    try {
      SslContext context =
          GrpcSslContexts.forClient()
              .trustManager(new PinnedTrustManager(chain[0]))
              .keyManager(key, chain)
              .build();
      return NettySslContextChannelCredentials.create(context);
    } catch (SSLException e) {
      throw new IllegalStateException("a TLS context that built once failed to build again", e);
    }
  }

  /** One line for a start message, e.g. {@code TLS (cert.pem, client certificates required)}. */
  public String describe() {
    return "TLS ("
        + certFile
        + ", "
        + chain[0].getSubjectX500Principal().getName()
        + (mutual() ? ", client certificates required" : "")
        + ")";
  }
}

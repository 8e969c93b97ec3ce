package dev.lumina.deploy.cli;

import dev.lumina.deploy.tls.ClientTls;
import dev.lumina.deploy.tls.ServerTls;
import dev.lumina.deploy.tls.TlsFileException;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The TLS flags of every command, one mixin per side of a connection; each reads its PEM files at
 * start ({@link ServerTls}, {@link ClientTls}), so a bad file stops the command with exit code 2
 * before anything starts, naming the flag and the file. A variable set to the empty string counts
 * as not set.
 *
 * <ul>
 *   <li>{@link PublicPort}: {@code --tls-cert}, {@code --tls-key}, {@code --tls-client-ca} of the
 *       gateway's public port ({@code gateway}, {@code serve});
 *   <li>{@link ChunkSinkPort}: {@code --chunk-sink-tls-cert}, {@code --chunk-sink-tls-key}, {@code
 *       --chunk-sink-tls-client-ca} of the gateway's ChunkSink port, which falls back to the public
 *       port's certificate and key (never to its client CA: workers are not API callers);
 *   <li>{@link Client}: {@code --tls}, {@code --tls-ca}, {@code --tls-cert}, {@code --tls-key} of
 *       the clients ({@code generate}, {@code batch}, {@code bench cluster});
 *   <li>{@link ChunkSinkClient}: {@code --chunk-sink-tls}, {@code --chunk-sink-tls-ca}, {@code
 *       --chunk-sink-tls-cert}, {@code --chunk-sink-tls-key} of the worker's deliveries.
 * </ul>
 */
final class TlsOptions {
  private TlsOptions() {}

  /** The public port's certificate, key and client CA. */
  static final class PublicPort {
    @Option(
        names = "--tls-cert",
        paramLabel = "FILE",
        defaultValue = "${env:LUMINA_TLS_CERT}",
        description =
            "PEM certificate chain of the public port, its own certificate first: the port then"
                + " speaks TLS only. Env: LUMINA_TLS_CERT.")
    Path cert;

    @Option(
        names = "--tls-key",
        paramLabel = "FILE",
        defaultValue = "${env:LUMINA_TLS_KEY}",
        description =
            "Its PEM private key, unencrypted PKCS#8 (BEGIN PRIVATE KEY). Env: LUMINA_TLS_KEY.")
    Path key;

    @Option(
        names = "--tls-client-ca",
        paramLabel = "FILE",
        defaultValue = "${env:LUMINA_TLS_CLIENT_CA}",
        description =
            "PEM CA certificates: callers must present a certificate they signed (mutual TLS)."
                + " Env: LUMINA_TLS_CLIENT_CA.")
    Path clientCa;

    /** The public port's TLS; empty = plaintext. */
    Optional<ServerTls> load() throws TlsFileException {
      return ServerTls.loadIfGiven("--tls", given(cert), given(key), given(clientCa));
    }
  }

  /** The ChunkSink port's certificate, key and client CA. */
  static final class ChunkSinkPort {
    @Option(
        names = "--chunk-sink-tls-cert",
        paramLabel = "FILE",
        defaultValue = "${env:LUMINA_GATEWAY_CHUNK_SINK_TLS_CERT}",
        description =
            "PEM certificate chain of the ChunkSink port (default: --tls-cert; with either,"
                + " workers must deliver over TLS). Env: LUMINA_GATEWAY_CHUNK_SINK_TLS_CERT.")
    Path cert;

    @Option(
        names = "--chunk-sink-tls-key",
        paramLabel = "FILE",
        defaultValue = "${env:LUMINA_GATEWAY_CHUNK_SINK_TLS_KEY}",
        description =
            "Its PEM private key, PKCS#8 (default: --tls-key)."
                + " Env: LUMINA_GATEWAY_CHUNK_SINK_TLS_KEY.")
    Path key;

    @Option(
        names = "--chunk-sink-tls-client-ca",
        paramLabel = "FILE",
        defaultValue = "${env:LUMINA_GATEWAY_CHUNK_SINK_TLS_CLIENT_CA}",
        description =
            "PEM CA certificates: workers must present a certificate they signed (mutual TLS;"
                + " never taken from --tls-client-ca)."
                + " Env: LUMINA_GATEWAY_CHUNK_SINK_TLS_CLIENT_CA.")
    Path clientCa;

    /**
     * The ChunkSink port's TLS: its own files when given, else the public port's certificate and
     * key with this port's client CA; empty = plaintext.
     */
    Optional<ServerTls> load(Optional<ServerTls> publicPort) throws TlsFileException {
      if (given(cert).isPresent() || given(key).isPresent() || publicPort.isEmpty()) {
        return ServerTls.loadIfGiven("--chunk-sink-tls", given(cert), given(key), given(clientCa));
      }
      return Optional.of(
          publicPort.get().withClientCa("--chunk-sink-tls-client-ca", given(clientCa)));
    }
  }

  /** A client's trust and, for mutual TLS, its certificate. */
  static final class Client {
    @Option(
        names = "--tls",
        defaultValue = "${env:LUMINA_TLS:-false}",
        description =
            "Connect over TLS, trusting the system's CAs (implied by --tls-ca and --tls-cert)."
                + " Env: LUMINA_TLS=true.")
    boolean tls;

    @Option(
        names = "--tls-ca",
        paramLabel = "FILE",
        defaultValue = "${env:LUMINA_TLS_CA}",
        description =
            "Connect over TLS, trusting the PEM CA certificates in FILE. Env: LUMINA_TLS_CA.")
    Path ca;

    @Option(
        names = "--tls-cert",
        paramLabel = "FILE",
        defaultValue = "${env:LUMINA_CLIENT_TLS_CERT}",
        description =
            "PEM client certificate for a gateway with mutual TLS. Env: LUMINA_CLIENT_TLS_CERT.")
    Path cert;

    @Option(
        names = "--tls-key",
        paramLabel = "FILE",
        defaultValue = "${env:LUMINA_CLIENT_TLS_KEY}",
        description = "Its PEM private key, PKCS#8. Env: LUMINA_CLIENT_TLS_KEY.")
    Path key;

    /** How to reach the gateway: plaintext unless a TLS flag was given. */
    ClientTls load() throws TlsFileException {
      return clientTls("--tls", tls, ca, cert, key);
    }
  }

  /** The worker's trust in the gateways' ChunkSink ports and, for mutual TLS, its certificate. */
  static final class ChunkSinkClient {
    @Option(
        names = "--chunk-sink-tls",
        defaultValue = "${env:LUMINA_WORKER_CHUNK_SINK_TLS:-false}",
        description =
            "Deliver chunks over TLS, trusting the system's CAs (implied by --chunk-sink-tls-ca"
                + " and --chunk-sink-tls-cert). Env: LUMINA_WORKER_CHUNK_SINK_TLS=true.")
    boolean tls;

    @Option(
        names = "--chunk-sink-tls-ca",
        paramLabel = "FILE",
        defaultValue = "${env:LUMINA_WORKER_CHUNK_SINK_TLS_CA}",
        description =
            "Deliver chunks over TLS, trusting the PEM CA certificates in FILE to sign the"
                + " gateways' ChunkSink certificates. Env: LUMINA_WORKER_CHUNK_SINK_TLS_CA.")
    Path ca;

    @Option(
        names = "--chunk-sink-tls-cert",
        paramLabel = "FILE",
        defaultValue = "${env:LUMINA_WORKER_CHUNK_SINK_TLS_CERT}",
        description =
            "PEM client certificate for gateways with --chunk-sink-tls-client-ca."
                + " Env: LUMINA_WORKER_CHUNK_SINK_TLS_CERT.")
    Path cert;

    @Option(
        names = "--chunk-sink-tls-key",
        paramLabel = "FILE",
        defaultValue = "${env:LUMINA_WORKER_CHUNK_SINK_TLS_KEY}",
        description = "Its PEM private key, PKCS#8. Env: LUMINA_WORKER_CHUNK_SINK_TLS_KEY.")
    Path key;

    /** How chunks reach the gateways: plaintext unless a TLS flag was given. */
    ClientTls load() throws TlsFileException {
      return clientTls("--chunk-sink-tls", tls, ca, cert, key);
    }
  }

  private static ClientTls clientTls(String prefix, boolean tls, Path ca, Path cert, Path key)
      throws TlsFileException {
    if (!tls && given(ca).isEmpty() && given(cert).isEmpty() && given(key).isEmpty()) {
      return ClientTls.plaintext();
    }
    return ClientTls.load(prefix, given(ca), given(cert), given(key));
  }

  /** A path flag as given: empty when absent or set to the empty string by its variable. */
  private static Optional<Path> given(Path p) {
    return p == null || p.toString().isEmpty() ? Optional.empty() : Optional.of(p);
  }
}

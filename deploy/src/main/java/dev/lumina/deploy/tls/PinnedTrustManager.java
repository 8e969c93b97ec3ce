package dev.lumina.deploy.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts one certificate and nothing else, as a server's or a client's, whatever host name was
 * dialled: for the two ends of a connection inside one process ({@link
 * ServerTls#selfPinnedClientCredentials}), which both hold that certificate's key. Immutable and
 * thread-safe.
 */
final class PinnedTrustManager extends X509ExtendedTrustManager {
  private final X509Certificate pinned;

  PinnedTrustManager(X509Certificate pinned) {
    this.pinned = pinned;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    check(chain, "server");
  }

  private void check(X509Certificate[] chain, String side) throws CertificateException {
    if (chain == null || chain.length == 0 || !pinned.equals(chain[0])) {
      throw new CertificateException(
          "the " + side + "'s certificate is not " + pinned.getSubjectX500Principal().getName());
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    check(chain, "client");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}

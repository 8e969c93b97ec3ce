package dev.lumina.deploy.tls;

import java.nio.file.Path;

/**
 * A TLS file cannot be used: missing, unreadable, not PEM of the expected kind, or a private key
 * that does not belong to its certificate. The message reads {@code --FLAG FILE: what is wrong}, so
 * a launcher can print it as is. Not retriable: the file or the command line must be fixed.
 */
public final class TlsFileException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String flag;
  private final transient Path file;

  /**
   * @param flag the flag that names the file, e.g. {@code --tls-cert}
   * @param file the file, or null when the flag itself is missing
   * @param problem what is wrong, e.g. {@code no such file}
   */
  public TlsFileException(String flag, Path file, String problem) {
    this(flag, file, problem, null);
  }

  /** As {@link #TlsFileException(String, Path, String)}, with the underlying failure. */
  public TlsFileException(String flag, Path file, String problem, Throwable cause) {
    super(flag + (file == null ? "" : " " + file) + ": " + problem, cause);
    this.flag = flag;
    this.file = file;
  }

  /** The flag that named the file, e.g. {@code --tls-cert}. */
  public String flag() {
    return flag;
  }

  /** The file; null when a flag is missing rather than a file unusable. */
  public Path file() {
    return file;
  }
}

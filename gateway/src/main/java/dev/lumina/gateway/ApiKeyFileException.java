package dev.lumina.gateway;

import java.nio.file.Path;

/**
 * An API key file cannot be used: it cannot be read, or a line breaks the format {@code TENANT
 * sha256:HEX}. The message reads {@code FILE:LINE: what is wrong} (no line for a file that cannot
 * be read) and never quotes a key or a hash. Not retriable: the file must be fixed.
 */
public final class ApiKeyFileException extends RuntimeException {
  private final transient Path file;
  private final int line;

  ApiKeyFileException(Path file, int line, String problem) {
    super(file + (line > 0 ? ":" + line : "") + ": " + problem);
    this.file = file;
    this.line = line;
  }

  ApiKeyFileException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
    this.file = file;
    this.line = 0;
  }

  /** The file. */
  public Path file() {
    return file;
  }

  /** The offending line, counting from 1; 0 when the file as a whole is the problem. */
  public int line() {
    return line;
  }
}

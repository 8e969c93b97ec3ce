package dev.lumina.worker.artifact;

import java.io.IOException;

/**
 * An artifact could not be written or read. {@link #retriable()} says whether trying again later
 * may succeed (a full disk, a network store that is down) or not (a name the store refuses).
 */
public final class ArtifactStoreException extends IOException {
  private static final long serialVersionUID = 1L;

  private final boolean retriable;

  public ArtifactStoreException(String message, boolean retriable, Throwable cause) {
    super(message, cause);
    this.retriable = retriable;
  }

  public boolean retriable() {
    return retriable;
  }
}

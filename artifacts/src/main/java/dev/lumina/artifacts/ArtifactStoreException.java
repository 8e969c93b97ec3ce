package dev.lumina.artifacts;

/**
 * The store refuses an artifact or cannot be set up (a name it does not take, a root it cannot
 * create): trying again unchanged fails again. A store that cannot take an artifact now throws
 * {@link ArtifactStoreUnavailableException} instead.
 */
public final class ArtifactStoreException extends Exception {
  private static final long serialVersionUID = 1L;

  public ArtifactStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}

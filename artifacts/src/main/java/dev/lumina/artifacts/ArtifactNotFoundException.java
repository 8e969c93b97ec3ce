package dev.lumina.artifacts;

/**
 * The store has nothing at the URI asked for: it was never written there, or retention deleted it.
 */
public final class ArtifactNotFoundException extends Exception {
  private static final long serialVersionUID = 1L;

  public ArtifactNotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}

package dev.lumina.artifacts;

import dev.lumina.proto.RetriableException;

/**
 * The store cannot take an artifact now (a full disk, a network store that is down); later may
 * succeed.
 */
public final class ArtifactStoreUnavailableException extends RetriableException {
  private static final long serialVersionUID = 1L;

  public ArtifactStoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}

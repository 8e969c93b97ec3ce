package dev.lumina.artifacts;

import dev.lumina.proto.v1.Artifact;
import java.net.URI;

/**
 * Where an artifact store put some bytes, and what they were.
 *
 * @param uri where the store keeps the bytes ({@code file:}, {@code s3:}, ...)
 * @param sha256 lower-case hex SHA-256 of the bytes (64 characters)
 * @param sizeBytes number of bytes, at least 0
 * @param mediaType e.g. {@code image/png}
 */
public record StoredArtifact(URI uri, String sha256, long sizeBytes, String mediaType) {
  public StoredArtifact {
    if (uri == null) {
      throw new IllegalArgumentException("uri must not be null");
    }
    if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("sha256 must be 64 lower-case hex digits, got " + sha256);
    }
    if (sizeBytes < 0) {
      throw new IllegalArgumentException("sizeBytes must be >= 0, got " + sizeBytes);
    }
    if (mediaType == null || mediaType.isBlank()) {
      throw new IllegalArgumentException("mediaType must not be blank");
    }
  }

  /** The public API's description of this artifact, as the {@code index}-th frame/view/segment. */
  public Artifact toProto(int index) {
    return Artifact.newBuilder()
        .setUri(uri.toString())
        .setSha256(sha256)
        .setSizeBytes(sizeBytes)
        .setMediaType(mediaType)
        .setIndex(index)
        .build();
  }
}

package dev.lumina.artifacts;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Opens the store a {@code --artifacts} value names: a folder (or a {@code file:} URI) is a {@link
 * FileSystemArtifactStore}; {@code s3://bucket[/prefix]} is an {@link S3ArtifactStore}.
 */
public final class ArtifactStores {
  private ArtifactStores() {}

  /** How to reach S3 when the location is {@code s3://}; ignored for a folder. */
  public record S3Settings(
      Optional<URI> endpoint,
      String region,
      Optional<String> accessKey,
      Optional<String> secretKey) {}

  /**
   * @throws IllegalArgumentException naming {@code --artifacts} when the value is not usable
   * @throws ArtifactStoreException when the folder cannot be created
   */
  public static ArtifactStore open(String location, S3Settings s3) throws ArtifactStoreException {
    if (location == null || location.isBlank()) {
      throw new IllegalArgumentException("--artifacts: a folder or s3://bucket/prefix is required");
    }
    if (location.startsWith("s3://")) {
      URI u;
      try {
        u = URI.create(location);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--artifacts: not a URI: " + location, e);
      }
      if (u.getHost() == null) {
        throw new IllegalArgumentException(
            "--artifacts: s3://BUCKET/PREFIX needs a bucket: " + location);
      }
      try {
        return new S3ArtifactStore(
            new S3ArtifactStore.Location(
                u.getHost(),
                u.getPath() == null ? "" : u.getPath(),
                s3.endpoint(),
                s3.region(),
                s3.accessKey(),
                s3.secretKey()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--artifacts " + location + ": " + e.getMessage(), e);
      }
    }
    if (location.contains("://") && !location.startsWith("file:")) {
      throw new IllegalArgumentException(
          "--artifacts: a folder, file: URI or s3://bucket/prefix, got " + location);
    }
    Path root = location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
    return new FileSystemArtifactStore(root);
  }
}

package dev.lumina.deploy.cli;

import dev.lumina.artifacts.ArtifactStore;
import dev.lumina.artifacts.ArtifactStoreException;
import dev.lumina.artifacts.ArtifactStores;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The artifact store flags of {@code worker} and {@code gateway}: both must name the same store
 * (workers write it, gateways read it back for Watch and GetArtifact).
 */
final class ArtifactOptions {
  @Option(
      names = "--artifacts",
      paramLabel = "DIR|s3://BUCKET/PREFIX",
      defaultValue = "${env:LUMINA_ARTIFACTS:-data/artifacts}",
      description =
          "Artifact store: a folder, or an S3 bucket and prefix (default: ${DEFAULT-VALUE}).")
  String location;

  @Option(
      names = "--s3-endpoint",
      paramLabel = "URL",
      defaultValue = "${env:LUMINA_S3_ENDPOINT:-}",
      description = "S3-compatible server (MinIO, Ceph...), path-style; empty = AWS.")
  String endpoint;

  @Option(
      names = "--s3-region",
      paramLabel = "REGION",
      defaultValue = "${env:LUMINA_S3_REGION:-${env:AWS_REGION:-us-east-1}}",
      description = "S3 region (default: ${DEFAULT-VALUE}).")
  String region;

  @Option(
      names = "--s3-access-key",
      paramLabel = "KEY",
      defaultValue = "${env:LUMINA_S3_ACCESS_KEY:-}",
      description = "S3 access key; empty = the AWS SDK's default credential chain.")
  String accessKey;

  @Option(
      names = "--s3-secret-key",
      paramLabel = "SECRET",
      defaultValue = "${env:LUMINA_S3_SECRET_KEY:-}",
      description = "S3 secret key (prefer the environment variable LUMINA_S3_SECRET_KEY).")
  String secretKey;

  /**
   * The store the flags name.
   *
   * @throws IllegalArgumentException naming the flag that is wrong
   */
  ArtifactStore open() throws ArtifactStoreException {
    Optional<URI> e;
    try {
      e =
          endpoint == null || endpoint.isBlank()
              ? Optional.empty()
              : Optional.of(URI.create(endpoint));
    } catch (IllegalArgumentException bad) {
      throw new IllegalArgumentException("--s3-endpoint: not a URL: " + endpoint, bad);
    }
    return ArtifactStores.open(
        location,
        new ArtifactStores.S3Settings(e, region, blankToEmpty(accessKey), blankToEmpty(secretKey)));
  }

  private static Optional<String> blankToEmpty(String s) {
    return s == null || s.isBlank() ? Optional.empty() : Optional.of(s);
  }

  /** Parses {@code 0}, {@code 90s}, {@code 30m}, {@code 24h} or {@code 7d}; 0 = keep forever. */
  static Duration retention(String value) {
    String v = value == null ? "" : value.strip();
    if (v.equals("0")) {
      return Duration.ZERO;
    }
    if (!v.matches("[1-9][0-9]{0,6}[smhd]")) {
      throw new IllegalArgumentException(
          "--artifact-retention: 0 or a number with s, m, h or d (e.g. 24h, 7d), got " + value);
    }
    long n = Long.parseLong(v.substring(0, v.length() - 1));
    return switch (v.charAt(v.length() - 1)) {
      case 's' -> Duration.ofSeconds(n);
      case 'm' -> Duration.ofMinutes(n);
      case 'h' -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}

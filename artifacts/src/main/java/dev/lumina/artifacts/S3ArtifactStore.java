package dev.lumina.artifacts;

import java.io.InputStream;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An {@link ArtifactStore} on S3 or an S3-compatible server (MinIO, Ceph, s3proxy...): object
 * {@code <prefix>/<jobId>/<name>} of one bucket, URI {@code s3://<bucket>/<prefix>/<jobId>/<name>}.
 * A PutObject is atomic (readers see the old object or the new one) and a rerun of a job replaces
 * its objects. The SHA-256 is computed here and kept as object metadata {@code sha256}.
 *
 * <p>Retention: {@link #deleteOlderThan} lists the prefix and deletes old objects one by one; on
 * AWS a bucket lifecycle rule on the prefix does the same without a sweeper (README, "Artifact
 * store"). Thread-safe (the SDK client is).
 */
public final class S3ArtifactStore implements ArtifactStore, AutoCloseable {

  /**
   * Where and how to reach the bucket.
   *
   * @param bucket the bucket
   * @param prefix key prefix without leading or trailing slash ("" = the bucket's root)
   * @param endpoint an S3-compatible server (path-style access); empty = AWS's endpoint
   * @param region the region; S3-compatible servers take any, e.g. {@code us-east-1}
   * @param accessKey with {@code secretKey}: static credentials; empty = the SDK's default chain
   *     (environment, profile, container or instance role)
   */
  public record Location(
      String bucket,
      String prefix,
      Optional<URI> endpoint,
      String region,
      Optional<String> accessKey,
      Optional<String> secretKey) {
    public Location {
      if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
        throw new IllegalArgumentException(
            "S3 bucket must be 3..63 characters of [a-z0-9.-], got " + bucket);
      }
      prefix = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
      if (prefix.contains("..") || prefix.contains("//")) {
        throw new IllegalArgumentException("S3 prefix must not contain '..' or '//': " + prefix);
      }
      if (region == null || region.isBlank()) {
        throw new IllegalArgumentException("S3 region is required (e.g. us-east-1)");
      }
      if (accessKey.isPresent() != secretKey.isPresent()) {
        throw new IllegalArgumentException(
            "S3 credentials: give both the access key and the secret key, or neither");
      }
    }
  }

  private final Location location;
  private final S3Client s3;

  public S3ArtifactStore(Location location) {
    this.location = location;
    AwsCredentialsProvider credentials =
        location.accessKey().isPresent()
            ? StaticCredentialsProvider.create(
                AwsBasicCredentials.create(
                    location.accessKey().get(), location.secretKey().orElseThrow()))
            : DefaultCredentialsProvider.builder().build();
    var b =
        S3Client.builder()
            .httpClient(UrlConnectionHttpClient.create())
            .region(Region.of(location.region()))
            .credentialsProvider(credentials)
            // S3-compatible servers often lack the newer default checksums.
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    location.endpoint().ifPresent(e -> b.endpointOverride(e).forcePathStyle(true));
    this.s3 = b.build();
  }

  @Override
  public StoredArtifact put(String jobId, String name, String mediaType, byte[] data)
      throws ArtifactStoreException, ArtifactStoreUnavailableException {
    ArtifactStore.checkJobId(jobId);
    ArtifactStore.checkName(name);
    if (data == null) {
      throw new IllegalArgumentException("artifact data must not be null");
    }
    if (mediaType == null || mediaType.isBlank()) {
      throw new IllegalArgumentException("mediaType must not be blank");
    }
    String key = key(jobId, name);
    String sha = FileSystemArtifactStore.sha256Hex(data);
    try {
      s3.putObject(
          PutObjectRequest.builder()
              .bucket(location.bucket())
              .key(key)
              .contentType(mediaType)
              .metadata(Map.of("sha256", sha))
              .build(),
          RequestBody.fromBytes(data));
    } catch (S3Exception e) {
      if (e.statusCode() >= 400 && e.statusCode() < 500 && e.statusCode() != 429) {
        throw new ArtifactStoreException("S3 refused " + uri(key) + ": " + e.getMessage(), e);
      }
      throw new ArtifactStoreUnavailableException("cannot write " + uri(key) + ": " + e, e);
    } catch (SdkException e) {
      throw new ArtifactStoreUnavailableException("cannot write " + uri(key) + ": " + e, e);
    }
    return new StoredArtifact(uri(key), sha, data.length, mediaType);
  }

  @Override
  public InputStream open(URI uri)
      throws ArtifactNotFoundException, ArtifactStoreUnavailableException {
    String key = keyOf(uri);
    try {
      return s3.getObject(GetObjectRequest.builder().bucket(location.bucket()).key(key).build());
    } catch (NoSuchKeyException e) {
      throw new ArtifactNotFoundException("no artifact at " + uri, e);
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        throw new ArtifactNotFoundException("no artifact at " + uri, e);
      }
      throw new ArtifactStoreUnavailableException("cannot read " + uri + ": " + e, e);
    } catch (SdkException e) {
      throw new ArtifactStoreUnavailableException("cannot read " + uri + ": " + e, e);
    }
  }

  @Override
  public int deleteOlderThan(Instant cutoff) throws ArtifactStoreUnavailableException {
    int deleted = 0;
    try {
      for (S3Object o :
          s3.listObjectsV2Paginator(
                  ListObjectsV2Request.builder()
                      .bucket(location.bucket())
                      .prefix(location.prefix().isEmpty() ? "" : location.prefix() + "/")
                      .build())
              .contents()) {
        if (o.lastModified() != null && o.lastModified().isBefore(cutoff)) {
          s3.deleteObject(
              DeleteObjectRequest.builder().bucket(location.bucket()).key(o.key()).build());
          deleted++;
        }
      }
    } catch (SdkException e) {
      throw new ArtifactStoreUnavailableException(
          "cannot sweep s3://" + location.bucket() + "/" + location.prefix() + ": " + e, e);
    }
    return deleted;
  }

  @Override
  public URI locate(String jobId, String name) {
    ArtifactStore.checkJobId(jobId);
    ArtifactStore.checkName(name);
    return uri(key(jobId, name));
  }

  @Override
  public void delete(String jobId, String name) throws ArtifactStoreUnavailableException {
    String key = keyOf(locate(jobId, name));
    try {
      s3.deleteObject(DeleteObjectRequest.builder().bucket(location.bucket()).key(key).build());
    } catch (NoSuchKeyException e) {
      // Deleting nothing is done.
    } catch (SdkException e) {
      throw new ArtifactStoreUnavailableException("cannot delete " + uri(key) + ": " + e, e);
    }
  }

  private String key(String jobId, String name) {
    return (location.prefix().isEmpty() ? "" : location.prefix() + "/") + jobId + "/" + name;
  }

  private URI uri(String key) {
    return URI.create("s3://" + location.bucket() + "/" + key);
  }

  /** The key of one of this store's URIs; refuses any other. */
  private String keyOf(URI uri) {
    if (uri == null
        || !"s3".equals(uri.getScheme())
        || !location.bucket().equals(uri.getHost())
        || uri.getPath() == null) {
      throw new IllegalArgumentException("not a URI of s3://" + location.bucket() + ": " + uri);
    }
    String key = uri.getPath().replaceFirst("^/", "");
    String rest =
        location.prefix().isEmpty()
            ? key
            : key.startsWith(location.prefix() + "/")
                ? key.substring(location.prefix().length() + 1)
                : null;
    String[] parts = rest == null ? new String[0] : rest.split("/", -1);
    if (parts.length != 2) {
      throw new IllegalArgumentException("URI " + uri + " is outside the store's prefix");
    }
    ArtifactStore.checkJobId(parts[0]);
    ArtifactStore.checkName(parts[1]);
    return key;
  }

  @Override
  public void close() {
    s3.close();
  }
}

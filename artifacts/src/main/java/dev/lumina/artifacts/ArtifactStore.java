package dev.lumina.artifacts;

/**
 * Keeps the bytes of a job's outputs (images, frames, audio) under the job's id, so a rerun of the
 * same job writes the same keys (workers are idempotent by job id). Implementations: {@link
 * FileSystemArtifactStore} (default); an S3-compatible store implements the same contract.
 *
 * <p>Implementations are thread-safe: several jobs may write at once.
 */
public interface ArtifactStore {

  /**
   * Opens what {@link #put} stored at {@code uri} for reading; the caller closes the stream.
   *
   * @throws IllegalArgumentException when {@code uri} is not one of this store's (another scheme,
   *     root or bucket, or a path that leaves the store): a store never reads outside itself
   * @throws ArtifactNotFoundException when nothing is stored there (never written, or deleted)
   * @throws ArtifactStoreUnavailableException when it cannot be read now (retriable)
   */
  java.io.InputStream open(java.net.URI uri)
      throws ArtifactNotFoundException, ArtifactStoreUnavailableException;

  /**
   * Deletes every artifact stored before {@code cutoff} (the retention sweep) and returns how many
   * were deleted.
   *
   * @throws ArtifactStoreUnavailableException when the store cannot be listed or changed now
   */
  int deleteOlderThan(java.time.Instant cutoff) throws ArtifactStoreUnavailableException;

  /**
   * Stores {@code data} as {@code name} of job {@code jobId}, replacing what an earlier attempt of
   * the same job wrote under that name, and returns where it went with its SHA-256 and size. The
   * write is complete (durable, visible in full) when this returns.
   *
   * @param jobId the job's id: 1..128 characters of {@code [A-Za-z0-9._:-]}
   * @param name file name within the job: 1..128 characters of {@code [A-Za-z0-9._-]}, not starting
   *     with a dot
   * @throws IllegalArgumentException when {@code jobId} or {@code name} breaks those rules
   * @throws ArtifactStoreException when the store refuses the artifact (trying again fails again)
   * @throws ArtifactStoreUnavailableException when the bytes could not be stored now (retriable)
   */
  StoredArtifact put(String jobId, String name, String mediaType, byte[] data)
      throws ArtifactStoreException, ArtifactStoreUnavailableException;

  /**
   * Where {@link #put} stores (or stored) {@code name} of job {@code jobId}; nothing need be there.
   * {@link #open} of it reads the artifact or throws {@link ArtifactNotFoundException}.
   *
   * @throws IllegalArgumentException when {@code jobId} or {@code name} breaks the rules of {@link
   *     #put}
   */
  java.net.URI locate(String jobId, String name);

  /**
   * Deletes {@code name} of job {@code jobId}; nothing stored there is no error.
   *
   * @throws IllegalArgumentException when {@code jobId} or {@code name} breaks the rules of {@link
   *     #put}
   * @throws ArtifactStoreUnavailableException when it cannot be deleted now (retriable)
   */
  void delete(String jobId, String name) throws ArtifactStoreUnavailableException;

  /** Checks a job id against the rules of {@link #put}. */
  static void checkJobId(String jobId) {
    if (jobId == null || !jobId.matches("[A-Za-z0-9._:-]{1,128}") || jobId.startsWith(".")) {
      throw new IllegalArgumentException(
          "job_id must be 1..128 characters of [A-Za-z0-9._:-] not starting with '.', got "
              + jobId);
    }
  }

  /** Checks an artifact name against the rules of {@link #put}. */
  static void checkName(String name) {
    if (name == null || !name.matches("[A-Za-z0-9._-]{1,128}") || name.startsWith(".")) {
      throw new IllegalArgumentException(
          "artifact name must be 1..128 characters of [A-Za-z0-9._-] not starting with '.', got "
              + name);
    }
  }
}

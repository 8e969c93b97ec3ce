package dev.lumina.worker.artifact;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * An {@link ArtifactStore} on a local or mounted file system: {@code <root>/<jobId>/<name>}.
 *
 * <p>Each write goes to a temporary file in the job's folder, is forced to disk, then renamed over
 * the final name (atomically where the file system allows), so readers never see half a file and a
 * rerun of the job replaces what the earlier attempt wrote. Thread-safe: writers of different names
 * do not interact; two writers of one name leave one complete file.
 */
public final class FileSystemArtifactStore implements ArtifactStore {

  private final Path root;

  /** A store under {@code root}, which is created if missing. */
  public FileSystemArtifactStore(Path root) throws ArtifactStoreException {
    if (root == null) {
      throw new IllegalArgumentException("artifact root must not be null");
    }
    this.root = root.toAbsolutePath().normalize();
    try {
      Files.createDirectories(this.root);
    } catch (IOException e) {
      throw new ArtifactStoreException("cannot create artifact root " + this.root, e);
    }
  }

  /** The folder this store writes under. */
  public Path root() {
    return root;
  }

  @Override
  public StoredArtifact put(String jobId, String name, String mediaType, byte[] data)
      throws ArtifactStoreUnavailableException {
    ArtifactStore.checkJobId(jobId);
    ArtifactStore.checkName(name);
    if (data == null) {
      throw new IllegalArgumentException("artifact data must not be null");
    }
    if (mediaType == null || mediaType.isBlank()) {
      throw new IllegalArgumentException("mediaType must not be blank");
    }
    Path dir = root.resolve(jobId);
    Path target = dir.resolve(name);
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, "." + name + ".", ".tmp");
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(data);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } catch (IOException e) {
      throw new ArtifactStoreUnavailableException("cannot write artifact " + target + ": " + e, e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // The temporary file is hidden (leading dot); a later write of the job replaces the name.
        }
      }
    }
    return new StoredArtifact(target.toUri(), sha256Hex(data), data.length, mediaType);
  }

  /** Lower-case hex SHA-256 of {@code data}. */
  static String sha256Hex(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM ships SHA-256", e);
    }
  }
}

package dev.lumina.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
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

  @Override
  public InputStream open(URI uri)
      throws ArtifactNotFoundException, ArtifactStoreUnavailableException {
    Path path = pathOf(uri);
    try {
      return Files.newInputStream(path);
    } catch (NoSuchFileException e) {
      throw new ArtifactNotFoundException("no artifact at " + uri, e);
    } catch (IOException e) {
      throw new ArtifactStoreUnavailableException("cannot read artifact " + uri + ": " + e, e);
    }
  }

  @Override
  public URI locate(String jobId, String name) {
    ArtifactStore.checkJobId(jobId);
    ArtifactStore.checkName(name);
    return root.resolve(jobId).resolve(name).toUri();
  }

  @Override
  public void delete(String jobId, String name) throws ArtifactStoreUnavailableException {
    Path target = pathOf(locate(jobId, name));
    try {
      Files.deleteIfExists(target);
    } catch (IOException e) {
      throw new ArtifactStoreUnavailableException("cannot delete " + target + ": " + e, e);
    }
  }

  /** The file of one of this store's URIs; refuses any other. */
  private Path pathOf(URI uri) {
    if (uri == null || !"file".equals(uri.getScheme())) {
      throw new IllegalArgumentException("not a file: URI of this store: " + uri);
    }
    Path path;
    try {
      path = Path.of(uri).toAbsolutePath().normalize();
    } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
      throw new IllegalArgumentException("not a file: URI of this store: " + uri, e);
    }
    // <root>/<jobId>/<name>, nothing else.
    if (!path.startsWith(root) || root.relativize(path).getNameCount() != 2) {
      throw new IllegalArgumentException("URI " + uri + " is outside the store under " + root);
    }
    return path;
  }

  @Override
  public int deleteOlderThan(Instant cutoff) throws ArtifactStoreUnavailableException {
    int deleted = 0;
    try (DirectoryStream<Path> jobs = Files.newDirectoryStream(root, Files::isDirectory)) {
      for (Path job : jobs) {
        boolean empty = true;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(job)) {
          for (Path f : files) {
            if (Files.getLastModifiedTime(f).toInstant().isBefore(cutoff)) {
              Files.deleteIfExists(f);
              deleted++;
            } else {
              empty = false;
            }
          }
        }
        if (empty) {
          try {
            Files.deleteIfExists(job);
          } catch (DirectoryNotEmptyException raced) {
            // A job wrote into the folder while it was swept; it stays.
          }
        }
      }
    } catch (NoSuchFileException e) {
      return deleted;
    } catch (IOException e) {
      throw new ArtifactStoreUnavailableException(
          "cannot sweep artifacts under " + root + ": " + e, e);
    }
    return deleted;
  }

  /** Lower-case hex SHA-256 of {@code data}. */
  public static String sha256Hex(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM ships SHA-256", e);
    }
  }
}

package dev.lumina.deploy.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A fresh folder under the system's temporary directory for one short-lived embedded cluster's
 * broker data and artifacts, deleted with everything in it on {@link #close}. Thread-safe: {@code
 * close} is idempotent and may run from a shutdown hook.
 */
public final class TempDataDir implements AutoCloseable {
  private final Path dir;
  private boolean closed;

  private TempDataDir(Path dir) {
    this.dir = dir;
  }

  /**
   * Creates {@code $TMPDIR/PREFIX-NNNN}.
   *
   * @throws UncheckedIOException when the folder cannot be created
   */
  public static TempDataDir create(String prefix) {
    try {
      return new TempDataDir(Files.createTempDirectory(prefix + "-"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary data folder: " + e.getMessage(), e);
    }
  }

  /** The folder. */
  public Path path() {
    return dir;
  }

  /** Deletes the folder and its contents; what cannot be deleted is left behind silently. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // A leftover temporary folder does no harm; the system's temp cleaner removes it.
    }
  }
}

package dev.lumina.artifacts;

import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on a folder. */
class FileSystemArtifactStoreContractTest extends ArtifactStoreContract {
  @TempDir Path dir;
  private int stores;

  @Override
  ArtifactStore store() throws Exception {
    return new FileSystemArtifactStore(dir.resolve("store-" + ++stores));
  }

  @Override
  URI foreignUri() {
    return dir.resolve("elsewhere/j-1/image-000.png").toUri();
  }
}

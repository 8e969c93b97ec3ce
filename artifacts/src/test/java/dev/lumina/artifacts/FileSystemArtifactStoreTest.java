package dev.lumina.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.proto.RetriableException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSystemArtifactStoreTest {

  @TempDir Path dir;

  @Test
  void putWritesTheBytesAndReportsTheirSha256AndSize() throws Exception {
    FileSystemArtifactStore store = new FileSystemArtifactStore(dir.resolve("artifacts"));
    byte[] data = "abc".getBytes(StandardCharsets.US_ASCII);

    StoredArtifact a = store.put("job-1", "image-0.png", "image/png", data);

    // SHA-256("abc"), FIPS 180-2 test vector.
    assertThat(a.sha256())
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(a.sizeBytes()).isEqualTo(3);
    assertThat(a.mediaType()).isEqualTo("image/png");
    assertThat(a.uri().getScheme()).isEqualTo("file");
    assertThat(Files.readAllBytes(Path.of(a.uri()))).isEqualTo(data);
    assertThat(Path.of(a.uri()))
        .isEqualTo(dir.resolve("artifacts/job-1/image-0.png").toAbsolutePath());
  }

  @Test
  void rerunOfTheSameJobReplacesTheFileAndLeavesNoTemporaries() throws Exception {
    FileSystemArtifactStore store = new FileSystemArtifactStore(dir);
    store.put("job-2", "a.wav", "audio/wav", new byte[1000]);
    StoredArtifact second = store.put("job-2", "a.wav", "audio/wav", new byte[] {1, 2});

    assertThat(Files.readAllBytes(Path.of(second.uri()))).containsExactly(1, 2);
    try (var files = Files.list(dir.resolve("job-2"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("a.wav");
    }
  }

  @Test
  void namesThatCouldEscapeTheJobFolderAreRefused() throws Exception {
    FileSystemArtifactStore store = new FileSystemArtifactStore(dir);
    assertThatThrownBy(() -> store.put("job", "../x.png", "image/png", new byte[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("artifact name");
    assertThatThrownBy(() -> store.put("../job", "x.png", "image/png", new byte[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("job_id");
    assertThatThrownBy(() -> store.put("job", ".hidden", "image/png", new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aWriteThatFailsIsRetriableAndARootThatCannotBeCreatedIsNot() throws Exception {
    FileSystemArtifactStore store = new FileSystemArtifactStore(dir.resolve("artifacts"));
    // A plain file where the job's folder belongs: the write fails as a full or broken disk would.
    Files.writeString(dir.resolve("artifacts").resolve("job-x"), "not a folder");
    assertThatThrownBy(() -> store.put("job-x", "image-000.png", "image/png", new byte[] {1}))
        .isInstanceOf(ArtifactStoreUnavailableException.class)
        .isInstanceOf(RetriableException.class)
        .hasMessageContaining("job-x");
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    assertThatThrownBy(() -> new FileSystemArtifactStore(file.resolve("root")))
        .isInstanceOf(ArtifactStoreException.class)
        .isNotInstanceOf(RetriableException.class);
  }
}

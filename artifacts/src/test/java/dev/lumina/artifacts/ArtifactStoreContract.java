package dev.lumina.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What every {@link ArtifactStore} does; each implementation's test runs these on a real store. */
abstract class ArtifactStoreContract {

  /** A fresh, empty store. */
  abstract ArtifactStore store() throws Exception;

  /** A URI of the same kind as the store's that lies outside it. */
  abstract URI foreignUri();

  private static byte[] read(ArtifactStore s, URI uri) throws Exception {
    try (InputStream in = s.open(uri)) {
      return in.readAllBytes();
    }
  }

  @Test
  void whatIsPutIsReadBackWithItsSha256AndSize() throws Exception {
    ArtifactStore s = store();
    byte[] data = "abc".getBytes(StandardCharsets.US_ASCII);
    StoredArtifact a = s.put("j-1", "image-000.png", "image/png", data);
    assertThat(a.sha256())
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(a.sizeBytes()).isEqualTo(3);
    assertThat(a.mediaType()).isEqualTo("image/png");
    assertThat(read(s, a.uri())).isEqualTo(data);
  }

  @Test
  void locateNamesWherePutStoresAndDeleteRemovesJustThatArtifact() throws Exception {
    ArtifactStore s = store();
    URI where = s.locate("j-4", "checkpoint.pb");
    assertThatThrownBy(() -> s.open(where)).isInstanceOf(ArtifactNotFoundException.class);
    StoredArtifact a = s.put("j-4", "checkpoint.pb", "application/x-protobuf", new byte[] {7});
    StoredArtifact kept = s.put("j-4", "image-000.png", "image/png", new byte[] {8});
    assertThat(a.uri()).isEqualTo(where);
    assertThat(read(s, where)).containsExactly(7);
    s.delete("j-4", "checkpoint.pb");
    assertThatThrownBy(() -> s.open(where)).isInstanceOf(ArtifactNotFoundException.class);
    assertThat(read(s, kept.uri())).containsExactly(8);
    s.delete("j-4", "checkpoint.pb"); // nothing there: no error
    assertThatThrownBy(() -> s.locate("j-4", "../x")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aRerunReplacesTheArtifactUnderTheSameUri() throws Exception {
    ArtifactStore s = store();
    StoredArtifact first = s.put("j-2", "image-000.png", "image/png", new byte[] {1});
    StoredArtifact second = s.put("j-2", "image-000.png", "image/png", new byte[] {2, 3});
    assertThat(second.uri()).isEqualTo(first.uri());
    assertThat(read(s, second.uri())).containsExactly(2, 3);
  }

  @Test
  void aMissingArtifactIsNotFoundAndAForeignUriIsRefused() throws Exception {
    ArtifactStore s = store();
    URI uri = s.put("j-3", "image-000.png", "image/png", new byte[] {1}).uri();
    URI missing = URI.create(uri.toString().replace("image-000.png", "image-001.png"));
    assertThatThrownBy(() -> s.open(missing)).isInstanceOf(ArtifactNotFoundException.class);
    assertThatThrownBy(() -> s.open(foreignUri())).isInstanceOf(IllegalArgumentException.class);
    URI escape = URI.create(uri.toString().replace("j-3/image-000.png", "j-3/../../x/y"));
    assertThatThrownBy(() -> s.open(escape)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void badNamesAreRefusedBeforeAnythingIsWritten() throws Exception {
    ArtifactStore s = store();
    assertThatThrownBy(() -> s.put("../j", "a.png", "image/png", new byte[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("job_id");
    assertThatThrownBy(() -> s.put("j-4", ".hidden", "image/png", new byte[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("artifact name");
  }

  @Test
  void retentionDeletesWhatWasStoredBeforeTheCutoffOnly() throws Exception {
    ArtifactStore s = store();
    URI old = s.put("j-5", "image-000.png", "image/png", new byte[] {1}).uri();
    assertThat(s.deleteOlderThan(Instant.now().minus(Duration.ofHours(1)))).isZero();
    assertThat(read(s, old)).containsExactly(1);
    assertThat(s.deleteOlderThan(Instant.now().plus(Duration.ofMinutes(5)))).isEqualTo(1);
    assertThatThrownBy(() -> s.open(old)).isInstanceOf(ArtifactNotFoundException.class);
  }
}

package dev.lumina.deploy.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.artifacts.FileSystemArtifactStore;
import dev.lumina.artifacts.S3ArtifactStore;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ArtifactOptionsTest {
  @TempDir Path dir;

  private static ArtifactOptions parse(String... args) {
    ArtifactOptions o = new ArtifactOptions();
    new CommandLine(o).parseArgs(args);
    return o;
  }

  @Test
  void aFolderIsAFileSystemStoreAndS3UrlsAnS3Store() throws Exception {
    assertThat(parse("--artifacts", dir.resolve("a").toString()).open())
        .isInstanceOf(FileSystemArtifactStore.class);
    try (var s3 =
        (S3ArtifactStore)
            parse(
                    "--artifacts",
                    "s3://lumina-out/prod",
                    "--s3-endpoint",
                    "http://127.0.0.1:9000",
                    "--s3-access-key",
                    "a",
                    "--s3-secret-key",
                    "b")
                .open()) {
      assertThat(s3).isNotNull();
    }
  }

  @Test
  void badValuesNameTheirFlag() {
    assertThatThrownBy(() -> parse("--artifacts", "s3://Bad_Bucket/x").open())
        .hasMessageContaining("--artifacts")
        .hasMessageContaining("bucket");
    assertThatThrownBy(() -> parse("--artifacts", "http://x/y").open())
        .hasMessageContaining("--artifacts");
    assertThatThrownBy(
            () -> parse("--artifacts", "s3://lumina-out/p", "--s3-access-key", "only").open())
        .hasMessageContaining("secret key");
    assertThatThrownBy(() -> ArtifactOptions.retention("7 days"))
        .hasMessageContaining("--artifact-retention");
  }

  @Test
  void retentionAges() {
    assertThat(ArtifactOptions.retention("0")).isZero();
    assertThat(ArtifactOptions.retention("24h")).isEqualTo(Duration.ofHours(24));
    assertThat(ArtifactOptions.retention("7d")).isEqualTo(Duration.ofDays(7));
  }
}

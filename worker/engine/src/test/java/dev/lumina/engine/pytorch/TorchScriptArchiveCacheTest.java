package dev.lumina.engine.pytorch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Archives are files named by their content: written once, reused, never one per process. */
class TorchScriptArchiveCacheTest {
  private static final String METHODS =
      "  def forward(self: __torch__.LuminaCacheProbe, x: Tensor) -> Tensor:\n    return x\n";

  @Test
  void theSameArchiveIsTheSameFileAndAnotherIsAnother() throws Exception {
    Path a = TorchScriptArchive.writeTemp("LuminaCacheProbe", METHODS);
    Path b = TorchScriptArchive.writeTemp("LuminaCacheProbe", METHODS);
    Path c = TorchScriptArchive.writeTemp("LuminaCacheProbe", METHODS + "\n");
    assertThat(b).isEqualTo(a);
    assertThat(c).isNotEqualTo(a);
    assertThat(a.getFileName().toString()).matches("lumina-LuminaCacheProbe-[0-9a-f]{16}\\.pt");
    assertThat(Files.readAllBytes(a))
        .isEqualTo(TorchScriptArchive.bytes("LuminaCacheProbe", METHODS));
    Files.write(a, new byte[] {1, 2, 3}); // a damaged copy is replaced, not used
    assertThat(Files.readAllBytes(TorchScriptArchive.writeTemp("LuminaCacheProbe", METHODS)))
        .isEqualTo(TorchScriptArchive.bytes("LuminaCacheProbe", METHODS));
  }
}

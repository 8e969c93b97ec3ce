package dev.lumina.engine.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelArgsTest {
  @TempDir Path tmp;

  @Test
  void readsTheTrainingArgumentsOfTheReleaseLayout() throws Exception {
    ModelArgs a = ModelArgs.read(bundle().resolve("transformer").resolve(ModelArgs.FILE));
    assertThat(a.model()).contains("DiT_Llama_tiny_dev_patch2");
    assertThat(a.imageSize()).contains(64);
    assertThat(a.qkNorm()).contains(true);
    assertThat(a.vae()).contains("sdxl");
    assertThat(a.textEncoder()).contains("meta-llama/Llama-2-7b-hf");
    assertThat(a.ropeScalingFactor()).isEqualTo(1.0);
    assertThat(a.ntkFactor()).isEqualTo(1.0);
    assertThat(a.integer("dim")).contains(64);
    assertThat(a.string("precision")).contains("bf16");
  }

  @Test
  void aPickleNamingAnyOtherGlobalIsRefusedBeforeAnythingIsBuilt() throws Exception {
    // GLOBAL 'os system', then a REDUCE that would call it.
    byte[] evil =
        "\u0080\u0002cos\nsystem\nq\u0000X\u0002\u0000\u0000\u0000lsq\u0001\u0085q\u0002Rq\u0003."
            .getBytes(StandardCharsets.ISO_8859_1);
    Path file = torchZip(evil);
    assertThatThrownBy(() -> ModelArgs.read(file))
        .isInstanceOf(CheckpointFormatException.class)
        .hasMessageContaining("refusing global 'os.system'");
  }

  @Test
  void somethingElseThanANamespaceOrAZipIsRefusedSayingWhat() throws Exception {
    Path dict = torchZip("\u0080\u0002}q\u0000.".getBytes(StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> ModelArgs.read(dict))
        .hasMessageContaining("expected a pickled argparse.Namespace");
    Path notZip = Files.writeString(tmp.resolve("plain.pth"), "not a zip");
    assertThatThrownBy(() -> ModelArgs.read(notZip))
        .hasMessageContaining("not a torch.save zip archive");
  }

  private Path torchZip(byte[] pickle) throws Exception {
    Path file = tmp.resolve("args-" + System.nanoTime() + ".pth");
    try (OutputStream out = Files.newOutputStream(file);
        ZipOutputStream zip = new ZipOutputStream(out)) {
      zip.putNextEntry(new ZipEntry("model_args/data.pkl"));
      zip.write(pickle);
      zip.closeEntry();
    }
    return file;
  }

  static Path bundle() throws URISyntaxException {
    return Path.of(
            ModelArgsTest.class.getResource("/parity/lumina-t2i-bundle-dev/README.md").toURI())
        .getParent();
  }
}

package dev.lumina.training.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.checkpoint.SafetensorsFile;
import dev.lumina.engine.checkpoint.SafetensorsWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link VaeVerifier} on sdxl-vae-decoder-dev: passes as shipped, and fails naming the tensor once
 * an output is perturbed.
 */
class VaeVerifierTest {

  @TempDir Path tmp;

  static Path devSet() {
    try {
      return Path.of(
              VaeVerifierTest.class
                  .getResource("/parity/sdxl-vae-decoder-dev/inputs.safetensors")
                  .toURI())
          .getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void devSetPassesWithOneLinePerTensor() {
    assertThat(VaeVerifier.accepts(devSet())).isTrue();
    assertThat(VaeVerifier.accepts(ReferenceVectors.dir("flag-dit-dev"))).isFalse();
    Run run = verify(devSet());
    assertThat(run.rc()).as(run.text()).isZero();
    assertThat(run.text())
        .containsPattern("decoded\\s+max\\|err\\| .*PASS")
        .containsPattern("image_u8_demo\\s+max\\|err\\| .*differ.*PASS")
        .contains("dbg.mid_block.attentions.0")
        .contains("13 compared, 0 failed")
        .doesNotContain("FAIL");
  }

  @Test
  void perturbedOutputsFailByName() throws IOException {
    Path dir = copyOfDevSet();
    Map<String, HostTensor> out = read(dir.resolve("outputs.safetensors"));
    out.put("decoded", shifted(out.get("decoded"), 1e-2f, 1));
    // Ten pixels off by one exceed 0.5 % of 768 values.
    out.put("image_u8_demo", shifted(out.get("image_u8_demo"), 1f, 10));
    out.put("reference_only.unknown", new HostTensor(new long[] {2}, new float[] {1, 2}));
    SafetensorsWriter.write(dir.resolve("outputs.safetensors"), out, Map.of());
    Run run = verify(dir);
    assertThat(run.rc()).as(run.text()).isEqualTo(1);
    assertThat(run.text())
        .containsPattern("decoded\\s+max\\|err\\| 1\\.000e-02.*FAIL")
        .containsPattern("image_u8_demo\\s+.*FAIL")
        .containsPattern("reference_only\\.unknown\\s+skipped \\(unknown name\\)")
        .contains("13 compared, 2 failed");
    assertThat(run.text().lines().filter(l -> l.endsWith("FAIL")).count()).isEqualTo(2);
  }

  private Path copyOfDevSet() throws IOException {
    Path dir = tmp.resolve("set");
    Files.createDirectories(dir.resolve("vae"));
    Path src = devSet();
    for (String f :
        new String[] {
          "inputs.safetensors",
          "outputs.safetensors",
          "vae/config.json",
          "vae/diffusion_pytorch_model.safetensors"
        }) {
      Files.copy(src.resolve(f), dir.resolve(f));
    }
    return dir;
  }

  /** {@code t} with {@code delta} added to its first {@code count} values (clamped to 0..255). */
  private static HostTensor shifted(HostTensor t, float delta, int count) {
    float[] d = t.data().clone();
    for (int i = 0; i < count; i++) {
      d[i] = delta >= 1f && d[i] + delta > 255f ? d[i] - delta : d[i] + delta;
    }
    return new HostTensor(t.shape(), d);
  }

  private static Map<String, HostTensor> read(Path file) {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      return new LinkedHashMap<>(f.readAll());
    }
  }

  private record Run(int rc, String text) {}

  private static Run verify(Path dir) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int rc = new VaeVerifier().verify(dir, new PrintStream(buf, true, StandardCharsets.UTF_8));
    return new Run(rc, buf.toString(StandardCharsets.UTF_8));
  }
}

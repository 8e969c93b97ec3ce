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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TextEncoderVerifier} on the llama-text-encoder-dev set: it passes as shipped and fails,
 * naming the tensor, once an output is perturbed; unknown names are skipped.
 */
class TextEncoderVerifierTest {

  @TempDir Path tmp;

  static Path devSet() {
    try {
      return Path.of(
              TextEncoderVerifierTest.class
                  .getResource("/parity/llama-text-encoder-dev/inputs.safetensors")
                  .toURI())
          .getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void recognisesTheSetByItsFiles() {
    assertThat(TextEncoderVerifier.recognises(devSet())).isTrue();
    assertThat(TextEncoderVerifier.recognises(tmp)).isFalse();
  }

  @Test
  void passesTheDevSet() {
    Run run = verify(devSet());
    assertThat(run.rc()).as(run.text()).isZero();
    assertThat(run.text())
        .containsPattern("last_hidden_state\\s+max\\|err\\| \\S+  tol \\S+  PASS")
        .containsPattern("hidden_states_m2\\s+max\\|err\\| \\S+  tol \\S+  PASS")
        .containsPattern("input_ids\\s+max\\|err\\| 0\\.000e\\+00  tol 0\\.000e\\+00  PASS")
        .containsPattern("cap_mask\\s+max\\|err\\| 0\\.000e\\+00.*PASS")
        .containsPattern("seq_lens\\s+max\\|err\\| 0\\.000e\\+00.*PASS")
        .containsPattern("dbg\\.hidden_states\\.0\\s+.*PASS")
        .containsPattern("dbg\\.rope_cos\\s+.*PASS")
        .contains("8 compared, 0 failed")
        .doesNotContain("FAIL");
  }

  @Test
  void failsNamingAPerturbedFeatureTensorAndSkipsUnknownNames() throws IOException {
    Path set = copyOfDevSet();
    rewriteOutputs(
        set,
        out -> {
          HostTensor t = out.get("hidden_states_m2");
          float[] d = t.data().clone();
          d[d.length / 2] += 0.05f;
          out.put("hidden_states_m2", new HostTensor(t.shape(), d));
          out.put("reference_only.unknown", new HostTensor(new long[] {2}, new float[] {1, 2}));
        });
    Run run = verify(set);
    assertThat(run.rc()).as(run.text()).isEqualTo(1);
    assertThat(run.text())
        .containsPattern("hidden_states_m2\\s+max\\|err\\| 5\\.\\d+e-02.*FAIL")
        .containsPattern("reference_only\\.unknown\\s+skipped \\(unknown name\\)")
        .contains("8 compared, 1 failed");
    assertThat(run.text().lines().filter(l -> l.endsWith("FAIL")).count()).isEqualTo(1);
  }

  @Test
  void tokenIdsMustMatchExactly() throws IOException {
    Path set = copyOfDevSet();
    rewriteOutputs(
        set,
        out -> {
          HostTensor t = out.get("input_ids");
          float[] d = t.data().clone();
          d[45] += 1;
          out.put("input_ids", new HostTensor(t.shape(), d));
        });
    Run run = verify(set);
    assertThat(run.rc()).isEqualTo(1);
    assertThat(run.text())
        .containsPattern("input_ids\\s+max\\|err\\| 1\\.000e\\+00  tol 0\\.000e\\+00  FAIL");
  }

  private interface Edit {
    void apply(Map<String, HostTensor> outputs);
  }

  private static void rewriteOutputs(Path set, Edit edit) {
    Path file = set.resolve("outputs.safetensors");
    Map<String, HostTensor> out;
    Map<String, String> md;
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      out = new LinkedHashMap<>(f.readAll());
      md = f.metadata();
    }
    edit.apply(out);
    SafetensorsWriter.write(file, out, md);
  }

  private Path copyOfDevSet() throws IOException {
    Path src = devSet();
    Path dst = tmp.resolve("set");
    try (Stream<Path> files = Files.walk(src)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path target = dst.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    return dst;
  }

  private record Run(int rc, String text) {}

  private static Run verify(Path dir) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int rc =
        new TextEncoderVerifier().verify(dir, new PrintStream(buf, true, StandardCharsets.UTF_8));
    return new Run(rc, buf.toString(StandardCharsets.UTF_8));
  }
}

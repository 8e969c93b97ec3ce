package dev.lumina.training.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BundleVerifierTest {

  @Test
  void theReleasePipelineMatchesTheReferenceBundleTensorByTensor() {
    Path dir = ReferenceVectors.dir("lumina-t2i-bundle-dev");
    assertThat(BundleVerifier.accepts(dir)).isTrue();
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int rc = new BundleVerifier().verify(dir, new PrintStream(buf, true, StandardCharsets.UTF_8));
    String text = buf.toString(StandardCharsets.UTF_8);
    assertThat(rc).as(text).isZero();
    assertThat(text)
        .containsPattern("cap_feats\\s+max\\|err\\|.*PASS")
        .containsPattern("sample_trajectory\\s+max\\|err\\|.*PASS")
        .containsPattern("dbg.eval_v\\s+max\\|err\\|.*PASS")
        .containsPattern("decoded\\s+max\\|err\\|.*PASS")
        .containsPattern("image_u8_demo\\s+max\\|err\\|.*PASS")
        .contains("14 compared, 0 failed");
  }
}

package dev.lumina.training.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ModelVerifierTest {

  @Test
  void devSetPassesWithOneLinePerTensor() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int rc =
        new ModelVerifier()
            .verify(
                ReferenceVectors.dir("flag-dit-dev"),
                new PrintStream(buf, true, StandardCharsets.UTF_8));
    String text = buf.toString(StandardCharsets.UTF_8);
    assertThat(rc).as(text).isZero();
    assertThat(text)
        .contains("forward_with_cfg")
        .contains("sample_midpoint_trajectory")
        .contains("dbg.freqs_cis")
        .contains("19 compared, 0 failed")
        .doesNotContain("FAIL");
  }
}

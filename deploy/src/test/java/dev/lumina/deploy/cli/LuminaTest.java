package dev.lumina.deploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class LuminaTest {

  @Test
  void helpListsTheKafkaSubcommand() {
    StringWriter out = new StringWriter();
    CommandLine cmd = Lumina.newCommandLine();
    cmd.setOut(new PrintWriter(out));
    assertThat(cmd.execute("--help")).isZero();
    assertThat(out.toString()).contains("kafka");
  }

  @Test
  void trainRefusesInitFromTogetherWithResumeBeforeTouchingTheWorkDirectory(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    java.nio.file.Path out = dir.resolve("work");
    java.io.PrintStream saved = System.err;
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
    int code;
    try {
      code =
          Lumina.newCommandLine()
              .execute("train", "--out", out.toString(), "--init-from", dir.toString(), "--resume");
    } finally {
      System.setErr(saved);
    }
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8))
        .contains("--init-from")
        .contains("--resume");
    assertThat(out).doesNotExist();
  }

  @Test
  void badKafkaPortExitsWithUsageErrorNamingTheOption() {
    StringWriter err = new StringWriter();
    CommandLine cmd = Lumina.newCommandLine();
    cmd.setErr(new PrintWriter(err));
    assertThat(cmd.execute("kafka", "--port", "notaport")).isEqualTo(2);
    assertThat(err.toString()).contains("--port");
  }
}

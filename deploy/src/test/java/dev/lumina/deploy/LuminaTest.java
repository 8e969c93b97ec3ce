package dev.lumina.deploy;

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
  void badKafkaPortExitsWithUsageErrorNamingTheOption() {
    StringWriter err = new StringWriter();
    CommandLine cmd = Lumina.newCommandLine();
    cmd.setErr(new PrintWriter(err));
    assertThat(cmd.execute("kafka", "--port", "notaport")).isEqualTo(2);
    assertThat(err.toString()).contains("--port");
  }
}

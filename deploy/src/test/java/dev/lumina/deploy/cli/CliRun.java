package dev.lumina.deploy.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/** Runs the launcher in this JVM: its exit code and all it wrote to stderr. */
record CliRun(int code, String err) {

  /** Runs {@code lumina args...}, capturing the command's error writer and System.err. */
  static CliRun of(String... args) {
    PrintStream saved = System.err;
    ByteArrayOutputStream sysErr = new ByteArrayOutputStream();
    StringWriter err = new StringWriter();
    System.setErr(new PrintStream(sysErr, true, StandardCharsets.UTF_8));
    int code;
    try {
      var cmd = Lumina.newCommandLine();
      cmd.setOut(new PrintWriter(new StringWriter(), true));
      cmd.setErr(new PrintWriter(err, true));
      code = cmd.execute(args);
    } finally {
      System.setErr(saved);
    }
    return new CliRun(code, err + sysErr.toString(StandardCharsets.UTF_8));
  }
}

package dev.lumina.it.procs;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One role of the cluster ({@code lumina kafka|gateway|scheduler|worker ...}) as a child JVM on the
 * test's own classpath, its stdout and stderr captured to {@code <name>.log} for diagnosis.
 *
 * <p>{@link #kill} is SIGKILL ({@link Process#destroyForcibly()}); {@link #close} is SIGTERM with a
 * grace period, then SIGKILL. Thread-safe: the process handle is; the log is only read.
 */
final class RoleProcess implements AutoCloseable {
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);

  private final String name;
  private final Process process;
  private final Path log;

  private RoleProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code java -Xmx<heap> -cp <test classpath> dev.lumina.deploy.cli.Lumina <args>}, output
   * to {@code <dir>/<name>.log}.
   *
   * @throws UncheckedIOException if the JVM cannot be started
   */
  static RoleProcess start(String name, Path dir, String heap, List<String> args) {
    try {
      Files.createDirectories(dir);
      Path log = dir.resolve(name + ".log");
      // An argument file keeps the long classpath off the command line (and out of `ps`).
      Path argFile = dir.resolve(name + ".args");
      Files.writeString(
          argFile, "-cp \"" + classpath().replace("\\", "\\\\") + "\"\n", StandardCharsets.UTF_8);
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.add("-Xmx" + heap);
      cmd.add("-XX:+UseSerialGC");
      // C1 only: these JVMs live for a minute or two, so start-up matters more than peak speed.
      cmd.add("-XX:TieredStopAtLevel=1");
      cmd.add("-Djava.awt.headless=true");
      cmd.add("@" + argFile);
      cmd.add("dev.lumina.deploy.cli.Lumina");
      cmd.addAll(args);
      Process p =
          new ProcessBuilder(cmd)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      return new RoleProcess(name, p, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
    }
  }

  /** The classpath the test runs on (surefire's real one when it boots through a manifest jar). */
  private static String classpath() {
    String cp = System.getProperty("surefire.test.class.path");
    return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  Path log() {
    return log;
  }

  /**
   * Waits until a line of the output matches {@code pattern} and returns the match.
   *
   * @throws AssertionError if the process exits first or {@code timeout} passes, with the log's
   *     tail
   */
  Matcher awaitLine(Pattern pattern, Duration timeout) {
    AtomicReference<Matcher> found = new AtomicReference<>();
    try {
      await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                Matcher m = pattern.matcher(output());
                if (m.find()) {
                  found.set(m);
                  return true;
                }
                if (!process.isAlive()) {
                  throw new AssertionError(
                      name
                          + " exited with "
                          + process.exitValue()
                          + " before printing /"
                          + pattern
                          + "/:\n"
                          + tail(40));
                }
                return false;
              });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          name + " did not print /" + pattern + "/ within " + timeout + ":\n" + tail(40), e);
    }
    return found.get();
  }

  /** Everything the process printed so far. */
  String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The last {@code lines} lines of the output, for failure messages. */
  String tail(int lines) {
    List<String> all = output().lines().toList();
    return "--- "
        + log
        + " ---\n"
        + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  /**
   * Waits for the process to exit by itself and returns its exit code.
   *
   * @throws AssertionError if it is still running after {@code timeout}, with the log's tail
   */
  int awaitExit(Duration timeout) {
    if (!waitFor(timeout)) {
      throw new AssertionError(name + " still running after " + timeout + ":\n" + tail(40));
    }
    return process.exitValue();
  }

  /** SIGKILL, then waits for the process to be gone. */
  void kill() {
    process.destroyForcibly();
    waitFor(STOP_GRACE);
  }

  /** SIGTERM (the roles drain and exit), SIGKILL if it is still running after the grace period. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    if (!waitFor(STOP_GRACE)) {
      process.destroyForcibly();
      waitFor(STOP_GRACE);
    }
  }

  private boolean waitFor(Duration d) {
    try {
      return process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      return false;
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ")";
  }
}

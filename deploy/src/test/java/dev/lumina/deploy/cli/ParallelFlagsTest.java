package dev.lumina.deploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.deploy.bench.BenchModelDir;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad {@code --parallel}, {@code --devices} and {@code --collective-timeout} values stop {@code
 * worker} and {@code serve} with exit code 2, naming the flag and what is wrong, before anything
 * connects anywhere.
 */
class ParallelFlagsTest {
  @TempDir Path tmp;

  @Test
  void malformedDegreesAreNamedByWorkerAndServe() throws Exception {
    Path model = BenchModelDir.write(tmp.resolve("m"));
    String[][] commands = {
      {"worker", "--model", model.toString(), "--kafka", "127.0.0.1:1", "--parallel", "tp=2"},
      {"serve", "--model", model.toString(), "--data-dir", tmp.toString(), "--parallel", "tp=2"},
    };
    for (String[] args : commands) {
      CliRun r = CliRun.of(args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.err())
          .as(String.join(" ", args))
          .contains("--parallel: unknown parallel degree 'tp'");
    }
  }

  @Test
  void degreesTheModelCannotTakeAndMismatchedDevicesAreRefused() throws Exception {
    Path model = BenchModelDir.write(tmp.resolve("m"));
    // The bench model has 2 heads: Ulysses over 4 ranks cannot split them.
    CliRun heads =
        CliRun.of(
            "worker",
            "--model",
            model.toString(),
            "--kafka",
            "127.0.0.1:1",
            "--parallel",
            "ulysses=4");
    assertThat(heads.code()).isEqualTo(2);
    assertThat(heads.err())
        .contains("--parallel: ulysses degree 4 must divide the model's heads (2)");
    CliRun devices =
        CliRun.of(
            "worker",
            "--model",
            model.toString(),
            "--kafka",
            "127.0.0.1:1",
            "--parallel",
            "cfg=2",
            "--devices",
            "cpu");
    assertThat(devices.code()).isEqualTo(2);
    assertThat(devices.err()).contains("--devices names 1 devices for 2 ranks");
    CliRun timeout =
        CliRun.of(
            "worker",
            "--model",
            model.toString(),
            "--kafka",
            "127.0.0.1:1",
            "--parallel",
            "cfg=2",
            "--collective-timeout",
            "0");
    assertThat(timeout.code()).isEqualTo(2);
    assertThat(timeout.err()).contains("--collective-timeout must be in [1, 86400]");
  }
}

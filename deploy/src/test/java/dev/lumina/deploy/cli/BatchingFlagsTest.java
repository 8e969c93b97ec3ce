package dev.lumina.deploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.deploy.bench.BenchModelDir;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Out-of-range step-batching flags stop {@code worker} and {@code serve} with exit code 2. */
class BatchingFlagsTest {
  @TempDir Path tmp;

  @Test
  void outOfRangeBudgetsAreNamed() throws Exception {
    Path model = BenchModelDir.write(tmp.resolve("m"));
    CliRun tokens =
        CliRun.of(
            "worker",
            "--model",
            model.toString(),
            "--kafka",
            "127.0.0.1:1",
            "--batch-tokens",
            "-1");
    assertThat(tokens.code()).isEqualTo(2);
    assertThat(tokens.err()).contains("--batch-tokens must be in [0, 1073741824], got -1");
    CliRun jobs =
        CliRun.of(
            "worker", "--model", model.toString(), "--kafka", "127.0.0.1:1", "--max-batch", "65");
    assertThat(jobs.code()).isEqualTo(2);
    assertThat(jobs.err()).contains("--max-batch must be in [1, 64], got 65");
    CliRun serve =
        CliRun.of(
            "serve", "--model", model.toString(), "--data-dir", tmp.toString(), "--max-batch", "0");
    assertThat(serve.code()).isEqualTo(2);
    assertThat(serve.err()).contains("--max-batch must be in [1, 64], got 0");
  }
}

package dev.lumina.deploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A quota file that does not parse stops gateway and serve with exit code 2, naming the line. */
class QuotaFlagsTest {
  @TempDir Path tmp;

  @Test
  void gatewayWithABadQuotaLineExits2NamingFileLineAndKey() throws Exception {
    Path file = Files.writeString(tmp.resolve("quotas"), "* jobs=4\nacme rps=10\n");
    CliRun r =
        CliRun.of(
            "gateway", "--allow-anonymous", "--kafka", "127.0.0.1:1", "--quotas", file.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains("quotas: " + file + " line 2: unknown key 'rps'")
        .contains("requests-per-second");
  }

  @Test
  void serveWithAMissingQuotaFileExits2BeforeStartingAnything() {
    Path missing = tmp.resolve("none");
    CliRun r = CliRun.of("serve", "--quotas", missing.toString(), "--data-dir", tmp.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("quotas: cannot read " + missing);
  }

  @Test
  void aNegativeTierLimitIsRefused() {
    CliRun r =
        CliRun.of(
            "gateway",
            "--allow-anonymous",
            "--kafka",
            "127.0.0.1:1",
            "--max-queued-token-seconds",
            "-5");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("max-queued-token-seconds must be finite and >= 0, got -5.0");
  }
}

package dev.lumina.it.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lumina.deploy.bench.BenchModelDir;
import dev.lumina.deploy.cluster.ClusterSettings;
import dev.lumina.deploy.cluster.EmbeddedCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's browser playground end to end in headless Chromium, driven by {@code
 * src/test/playwright/playground.test.js} (playwright-core): a refused field is named, a typed
 * prompt renders its picture after live progress, and the picture joins the gallery. The screenshot
 * lands in {@code target/playground/playground.png}. Chromium and the npm package are installed by
 * {@code .ci/run}; without them the test is skipped, except under {@code CI=true}, where it fails.
 */
class PlaygroundBrowserTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path SCRIPTS = Path.of("src/test/playwright").toAbsolutePath();

  @TempDir static Path tmp;
  private static EmbeddedCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster =
        EmbeddedCluster.start(
            ClusterSettings.ephemeral(
                    BenchModelDir.write(tmp.resolve("model")), tmp.resolve("data"), "it-playground")
                .withHttpPort(0),
            new PrintWriter(new StringWriter()));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aTypedPromptRendersItsPictureInChromium() throws Exception {
    boolean tools =
        Files.isExecutable(CHROMIUM)
            && Files.isDirectory(SCRIPTS.resolve("node_modules/playwright-core"));
    if (!tools && "true".equals(System.getenv("CI"))) {
      throw new AssertionError(
          "/usr/bin/chromium or src/test/playwright/node_modules missing under CI=true:"
              + " .ci/run installs them");
    }
    assumeTrue(tools, "chromium and playwright-core (npm ci in src/test/playwright) not here");
    assertThat(cluster.httpPort()).isPresent();

    Path shots = Files.createDirectories(Path.of("target/playground").toAbsolutePath());
    Path screenshot = shots.resolve("playground.png");
    Files.deleteIfExists(screenshot);
    Path log = Files.createTempFile(tmp, "playground", ".log");
    Process p =
        new ProcessBuilder(
                "node",
                "playground.test.js",
                "--url",
                "http://127.0.0.1:" + cluster.httpPort().getAsInt() + "/",
                "--screenshot",
                screenshot.toString(),
                "--chromium",
                CHROMIUM.toString())
            .directory(SCRIPTS.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    boolean ended = p.waitFor(240, TimeUnit.SECONDS);
    if (!ended) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    Files.writeString(shots.resolve("playground.log"), output, StandardCharsets.UTF_8);
    assertThat(ended).as("the browser run ended in time\n" + output).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    assertThat(output)
        .contains("playground: models loaded")
        .contains("playground: refused")
        .contains("playground: rendered")
        .contains("playground: OK");
    assertThat(Files.readAllBytes(screenshot)).startsWith(0x89, 'P', 'N', 'G');
  }
}

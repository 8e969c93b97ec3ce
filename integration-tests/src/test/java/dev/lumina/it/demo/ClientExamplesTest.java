package dev.lumina.it.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lumina.deploy.bench.BenchModelDir;
import dev.lumina.deploy.cluster.ClusterSettings;
import dev.lumina.deploy.cluster.ClusterTuning;
import dev.lumina.deploy.cluster.EmbeddedCluster;
import dev.lumina.engine.ModelLayout;
import dev.lumina.proto.Tiers;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python and Node examples in {@code clients/} against an embedded cluster: list models,
 * generate, download the PNG with GetArtifact, cancel. Their tools are installed by {@code
 * .ci/run}; on a machine without them the tests are skipped, except under {@code CI=true}, where
 * they fail.
 */
class ClientExamplesTest {
  @TempDir static Path tmp;
  private static EmbeddedCluster cluster;
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  @BeforeAll
  static void start() throws Exception {
    cluster =
        EmbeddedCluster.start(
            new ClusterSettings(
                ModelLayout.of(BenchModelDir.write(tmp.resolve("model"))),
                tmp.resolve("data"),
                "127.0.0.1",
                0,
                0,
                0,
                true,
                Tiers.parse(Tiers.DEFAULT_SPEC),
                "it-clients",
                ClusterTuning.DEFAULTS),
            new PrintWriter(new StringWriter()));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void thePythonExampleGeneratesDownloadsAndCancels() throws Exception {
    Path python = Path.of("/usr/bin/python3");
    boolean tools =
        Files.isExecutable(python)
            && run(List.of(python.toString(), "-c", "import grpc"), ROOT, tmp).code == 0
            && run(List.of("which", "protoc", "grpc_python_plugin"), ROOT, tmp).code == 0;
    requireTools(tools, "protoc, grpc_python_plugin and /usr/bin/python3 with grpcio");
    Path client = ROOT.resolve("clients/python");
    Path stubs = tmp.resolve("pystubs");
    Result gen =
        run(List.of(client.resolve("generate_stubs.sh").toString(), stubs.toString()), client, tmp);
    assertThat(gen.code).as(gen.output).isZero();
    Path out = Files.createDirectories(tmp.resolve("py-out"));
    ProcessBuilder pb =
        new ProcessBuilder(
            python.toString(),
            "example.py",
            "--target",
            "127.0.0.1:" + cluster.gatewayPort(),
            "--out",
            out.toString());
    pb.environment().put("PYTHONPATH", stubs + ":" + client);
    Result r = run(pb, client, tmp);
    assertThat(r.code).as(r.output).isZero();
    assertThat(r.output)
        .contains("accepted on tier")
        .contains("step 1/1")
        .contains("completed, seed 7")
        .contains("downloaded image/png")
        .contains("python example: OK");
    assertThat(Files.readAllBytes(out.resolve("python-example.png")))
        .startsWith(0x89, 'P', 'N', 'G');
  }

  @Test
  void theNodeExampleGeneratesDownloadsAndCancels() throws Exception {
    Path client = ROOT.resolve("clients/node");
    boolean tools =
        Files.isDirectory(client.resolve("node_modules/@grpc/grpc-js"))
            && run(List.of("node", "--version"), client, tmp).code == 0;
    requireTools(tools, "node and clients/node/node_modules (npm ci)");
    Path out = Files.createDirectories(tmp.resolve("node-out"));
    Result r =
        run(
            List.of(
                "node",
                "example.js",
                "--target",
                "127.0.0.1:" + cluster.gatewayPort(),
                "--out",
                out.toString()),
            client,
            tmp);
    assertThat(r.code).as(r.output).isZero();
    assertThat(r.output).contains("downloaded image/png").contains("node example: OK");
    assertThat(Files.readAllBytes(out.resolve("node-example.png"))).startsWith(0x89, 'P', 'N', 'G');
  }

  private static void requireTools(boolean present, String what) {
    if (!present && "true".equals(System.getenv("CI"))) {
      throw new AssertionError(what + " missing under CI=true: .ci/run installs them");
    }
    assumeTrue(present, what + " not installed here");
  }

  private record Result(int code, String output) {}

  private static Result run(List<String> command, Path dir, Path tmp)
      throws IOException, InterruptedException {
    return run(new ProcessBuilder(command), dir, tmp);
  }

  private static Result run(ProcessBuilder pb, Path dir, Path tmp)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile(tmp, "proc", ".log");
    Process p;
    try {
      p = pb.directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      return new Result(127, e.getMessage());
    }
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return new Result(124, "timed out\n" + Files.readString(log, StandardCharsets.UTF_8));
    }
    return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }
}

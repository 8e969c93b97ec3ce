package dev.lumina.it.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.deploy.bench.BenchModelDir;
import dev.lumina.deploy.cli.Lumina;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lumina demo} end to end in this JVM: it starts the embedded cluster (real broker,
 * scheduler, worker with a small random-weight Flag-DiT on CPU, gateway on free loopback ports),
 * generates through the public gRPC API, writes the PNG, prints its path and shuts down.
 */
class DemoCommandTest {
  @TempDir static Path tmp;
  private static Path model;

  @BeforeAll
  static void writeModel() throws Exception {
    model = BenchModelDir.write(tmp.resolve("model"));
  }

  @Test
  void demoStartsTheClusterWritesThePngAndPrintsItsPath() throws Exception {
    Path out = tmp.resolve("out");
    Run run =
        demo(
            "a red square",
            "--model",
            model.toString(),
            "--out",
            out.toString(),
            "--seed",
            "11",
            "--width",
            "24",
            "--height",
            "16");

    assertThat(run.code).as(run.err).isZero();
    assertThat(run.err)
        .contains("model " + BenchModelDir.NAME + " ready on 127.0.0.1:")
        .contains("ETA")
        .contains("seed 11");
    List<String> paths = run.out.lines().toList();
    assertThat(paths).hasSize(1);
    Path image = Path.of(paths.get(0));
    assertThat(image.getParent()).isEqualTo(out);
    assertThat(image.getFileName().toString()).endsWith("-image-000.png");
    BufferedImage img = ImageIO.read(image.toFile());
    assertThat(img).isNotNull();
    assertThat(img.getWidth()).isEqualTo(24);
    assertThat(img.getHeight()).isEqualTo(16);
  }

  @Test
  void aRefusedRequestExitsOneWithTheServersReasonAndStillShutsDown() {
    Run run =
        demo(
            "a red square",
            "--model",
            model.toString(),
            "--out",
            tmp.resolve("refused").toString(),
            "--width",
            "17");
    assertThat(run.code).isEqualTo(1);
    assertThat(run.err).contains("lumina demo: INVALID_ARGUMENT").contains("width");
  }

  @Test
  void aMissingModelDirectoryExitsTwoNamingIt() {
    Path missing = tmp.resolve("no-such-model");
    Run run = demo("x", "--model", missing.toString(), "--out", tmp.resolve("none").toString());
    assertThat(run.code).isEqualTo(2);
    assertThat(run.err).contains("lumina demo: --model " + missing);
    assertThat(Files.exists(tmp.resolve("none"))).isFalse();
  }

  private static Run demo(String prompt, String... flags) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> args = new java.util.ArrayList<>(List.of("demo", prompt));
    args.addAll(List.of(flags));
    int code =
        Lumina.newCommandLine()
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args.toArray(new String[0]));
    System.err.print(err);
    return new Run(code, out.toString(), err.toString());
  }

  private record Run(int code, String out, String err) {}
}

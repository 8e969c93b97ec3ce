package dev.lumina.it.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.lumina.deploy.bench.BenchModelDir;
import dev.lumina.deploy.cli.Lumina;
import dev.lumina.deploy.cluster.ClusterSettings;
import dev.lumina.deploy.cluster.ClusterTuning;
import dev.lumina.deploy.cluster.EmbeddedCluster;
import dev.lumina.engine.ModelLayout;
import dev.lumina.proto.Tiers;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lumina batch} against an embedded cluster: outputs, results.jsonl, and a resumed rerun.
 */
class BatchCommandTest {
  @TempDir static Path tmp;
  private static EmbeddedCluster cluster;

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
                "it-batch",
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
  void runsEveryLineRecordsFailuresAndARerunGeneratesNothingTwice() throws Exception {
    Path prompts = tmp.resolve("prompts.jsonl");
    Files.writeString(
        prompts,
        String.join(
            "\n",
            "{\"prompt\": \"a red square\", \"sampling\": {\"steps\": 2, \"seed\": \"3\"}}",
            "not json at all",
            "",
            "{\"prompt\": \"a blue circle\", \"geometry\": {\"width\": 24, \"height\": 16}}",
            "{\"prompt\": \"too wide\", \"geometry\": {\"width\": 17}}",
            "{\"prompt\": \"a green line\", \"requestId\": \"mine-1\"}"),
        StandardCharsets.UTF_8);
    Path out = tmp.resolve("out");

    Run first = batch(prompts, out);

    assertThat(first.code).as(first.err).isEqualTo(3);
    List<JsonObject> results = results(out);
    assertThat(results).extracting(r -> r.get("line").getAsInt()).containsExactly(1, 2, 4, 5, 6);
    assertThat(results)
        .extracting(r -> r.get("state").getAsString())
        .containsExactly("SUCCEEDED", "INVALID", "SUCCEEDED", "REFUSED", "SUCCEEDED");
    assertThat(results.get(1).get("error").getAsString()).contains("line 2");
    assertThat(results.get(3).get("error").getAsString())
        .contains("INVALID_ARGUMENT")
        .contains("width");
    assertThat(results.get(0).get("seed").getAsString()).isEqualTo("3");
    assertThat(results.get(4).get("requestId").getAsString()).isEqualTo("mine-1");
    BufferedImage blue = ImageIO.read(out.resolve("00004-image-000.png").toFile());
    assertThat(blue.getWidth()).isEqualTo(24);
    assertThat(blue.getHeight()).isEqualTo(16);
    assertThat(first.err).contains("batch 5/5 done (2 failed)");

    // A run that stopped before line 6 was recorded: its result is lost, its job is not.
    String jobOf6 = results.get(4).get("jobId").getAsString();
    List<String> kept = Files.readAllLines(out.resolve("results.jsonl"));
    Files.write(out.resolve("results.jsonl"), kept.subList(0, 4));

    Run second = batch(prompts, out);

    assertThat(second.err).contains("2 skipped (done before)");
    List<JsonObject> again = results(out);
    assertThat(again).extracting(r -> r.get("line").getAsInt()).containsExactly(1, 2, 4, 5, 6);
    // Line 6 re-attached to the job it started before (same request id, same job), no new one.
    assertThat(again.get(4).get("jobId").getAsString()).isEqualTo(jobOf6);
    assertThat(again.get(4).get("state").getAsString()).isEqualTo("SUCCEEDED");
    assertThat(out.resolve("00006-image-000.png")).isRegularFile();
    assertThat(again.get(0)).isEqualTo(results.get(0));
  }

  private static List<JsonObject> results(Path out) throws Exception {
    return Files.readAllLines(out.resolve("results.jsonl")).stream()
        .map(l -> JsonParser.parseString(l).getAsJsonObject())
        .toList();
  }

  private static Run batch(Path prompts, Path out) {
    StringWriter err = new StringWriter();
    int code =
        Lumina.newCommandLine()
            .setOut(new PrintWriter(new StringWriter(), true))
            .setErr(new PrintWriter(err, true))
            .execute(
                "batch",
                prompts.toString(),
                "--out",
                out.toString(),
                "--concurrency",
                "2",
                "--server",
                "127.0.0.1:" + cluster.gatewayPort());
    return new Run(code, err.toString());
  }

  private record Run(int code, String err) {}
}

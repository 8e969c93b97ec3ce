package dev.lumina.it.parallel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.deploy.bench.BenchModelDir;
import dev.lumina.deploy.client.GenerateClient;
import dev.lumina.deploy.client.GenerateResult;
import dev.lumina.deploy.cluster.ClusterSettings;
import dev.lumina.deploy.cluster.EmbeddedCluster;
import dev.lumina.engine.ShardGroup;
import dev.lumina.engine.parallel.ParallelDegrees;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Sampling;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The embedded cluster whose worker runs each job across an in-process shard group answers a
 * request through the public API with the picture a one-rank worker gives for the same seed: every
 * channel of every pixel within 1 of 255.
 */
class ShardGroupClusterTest {
  @TempDir Path tmp;

  @ParameterizedTest(name = "cfg={0} ulysses={1} ring={2}, cfg scale {3}")
  @CsvSource({"2, 2, 1, 4.0", "1, 1, 3, 4.0", "2, 1, 1, 1.0"})
  void aShardedWorkerDrawsTheOneRankPicture(int cfg, int ulysses, int ring, float scale)
      throws Exception {
    Path model = BenchModelDir.write(tmp.resolve("model"));
    GenerateRequest request =
        GenerateRequest.newBuilder()
            .setPrompt("a red square on a blue field")
            .setGeometry(Geometry.newBuilder().setWidth(24).setHeight(16))
            .setSampling(Sampling.newBuilder().setSteps(4).setCfgScale(scale).setSeed(1234))
            .build();
    BufferedImage alone = generate(model, "one", null, request);
    ShardGroup group =
        new ShardGroup(new ParallelDegrees(cfg, ulysses, ring), Duration.ofSeconds(120));
    BufferedImage sharded = generate(model, "group", group, request);
    assertThat(group.runs()).as("generations the group ran").isEqualTo(1);
    assertThat(sharded.getWidth()).isEqualTo(alone.getWidth()).isEqualTo(24);
    assertThat(sharded.getHeight()).isEqualTo(alone.getHeight());
    int worst = 0;
    for (int y = 0; y < alone.getHeight(); y++) {
      for (int x = 0; x < alone.getWidth(); x++) {
        int a = alone.getRGB(x, y);
        int b = sharded.getRGB(x, y);
        for (int shift = 0; shift <= 16; shift += 8) {
          worst = Math.max(worst, Math.abs(((a >> shift) & 0xff) - ((b >> shift) & 0xff)));
        }
      }
    }
    assertThat(worst).as("largest channel difference out of 255").isLessThanOrEqualTo(1);
  }

  private BufferedImage generate(
      Path model, String name, ShardGroup shards, GenerateRequest request) throws Exception {
    ClusterSettings settings =
        ClusterSettings.ephemeral(model, tmp.resolve("data-" + name), "it-" + name);
    try (EmbeddedCluster cluster =
        EmbeddedCluster.start(settings, new PrintWriter(new StringWriter(), true), shards)) {
      StringWriter err = new StringWriter();
      GenerateResult r =
          new GenerateClient("it", new PrintWriter(new StringWriter()), new PrintWriter(err))
              .generate(
                  "127.0.0.1:" + cluster.gatewayPort(),
                  null,
                  120,
                  request,
                  tmp.resolve("out-" + name),
                  false);
      assertThat(r.exitCode()).as(err.toString()).isZero();
      Path png =
          r.written().stream().filter(p -> p.toString().endsWith(".png")).findFirst().orElseThrow();
      return ImageIO.read(png.toFile());
    }
  }
}

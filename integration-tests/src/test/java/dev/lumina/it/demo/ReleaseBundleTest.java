package dev.lumina.it.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.deploy.cli.Lumina;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A latent model in the release layout (tiny reference weights of Lumina-T2I: Flag-DiT, LLaMA text
 * encoder with its HF tokenizer, SDXL-style VAE) served by the whole cluster — broker, scheduler,
 * worker, gateway — and asked through the public API: the picture comes back as a PNG of the
 * requested size, decoded by the VAE, whether the three parts sit in one folder or are named one by
 * one.
 */
class ReleaseBundleTest {
  @TempDir Path tmp;

  @Test
  void theReleaseLayoutServesAPictureOfTheRequestedSize() throws Exception {
    Path bundle = bundle();
    BufferedImage img = generate(List.of("--model", bundle.toString()), "a", 64, 64);
    assertThat(img.getWidth()).isEqualTo(64);
    assertThat(img.getHeight()).isEqualTo(64);
    assertThat(distinctColours(img)).isGreaterThan(16);
  }

  @Test
  void thePartsCanBeNamedOneByOneAndANonSquarePictureDecodes() throws Exception {
    Path bundle = bundle();
    BufferedImage img =
        generate(
            List.of(
                "--model",
                bundle.resolve("transformer").toString(),
                "--text-encoder",
                bundle.resolve("text_encoder").toString(),
                "--vae",
                bundle.resolve("vae").toString()),
            "b",
            96,
            64);
    assertThat(img.getWidth()).isEqualTo(96);
    assertThat(img.getHeight()).isEqualTo(64);
  }

  private BufferedImage generate(List<String> model, String name, int width, int height)
      throws Exception {
    Path out = tmp.resolve(name);
    List<String> args = new ArrayList<>(List.of("demo", "A red cat sitting on a wooden chair."));
    args.addAll(model);
    args.addAll(
        List.of(
            "--out",
            out.toString(),
            "--seed",
            "7",
            "--steps",
            "4",
            "--width",
            "" + width,
            "--height",
            "" + height));
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    int code =
        Lumina.newCommandLine()
            .setOut(new PrintWriter(o, true))
            .setErr(new PrintWriter(e, true))
            .execute(args.toArray(String[]::new));
    assertThat(code).as(e.toString()).isZero();
    List<String> paths = o.toString().lines().toList();
    assertThat(paths).hasSize(1);
    Path png = Path.of(paths.get(0));
    assertThat(Files.size(png)).isPositive();
    return ImageIO.read(png.toFile());
  }

  private static long distinctColours(BufferedImage img) {
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        seen.add(img.getRGB(x, y));
      }
    }
    return seen.size();
  }

  private static Path bundle() throws Exception {
    return Path.of(
            ReleaseBundleTest.class
                .getResource("/parity/lumina-t2i-bundle-dev/outputs.safetensors")
                .toURI())
        .getParent();
  }
}

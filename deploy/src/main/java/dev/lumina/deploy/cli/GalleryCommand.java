package dev.lumina.deploy.cli;

import dev.lumina.deploy.client.GenerateClient;
import dev.lumina.deploy.client.GenerateResult;
import dev.lumina.deploy.cluster.ClusterSettings;
import dev.lumina.deploy.cluster.EmbeddedCluster;
import dev.lumina.deploy.demo.GalleryPage;
import dev.lumina.deploy.demo.GalleryRow;
import dev.lumina.deploy.demo.GalleryStrip;
import dev.lumina.deploy.demo.QuietLogs;
import dev.lumina.deploy.demo.ShippedModel;
import dev.lumina.deploy.demo.TempDataDir;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.Sampling;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lumina gallery} (hidden): makes the project's gallery. Starts the embedded cluster like
 * {@code lumina demo}, runs every job of {@link GalleryRow#shapes()} through the public API with
 * its fixed seed, joins each row's pictures into one enlarged strip ({@link GalleryStrip}) under
 * {@code --out} and writes the page ({@link GalleryPage}) to {@code --page}.
 *
 * <p>Exit codes: 0 written; 1 the cluster did not start, a job failed or a file could not be
 * written; 2 bad command line or model.
 */
@Command(
    name = "gallery",
    hidden = true,
    mixinStandardHelpOptions = true,
    description = "Make docs/gallery.md and docs/gallery/*.png with the shipped model.")
final class GalleryCommand implements Callable<Integer> {
  private static final Pattern TRAINED_STEPS = Pattern.compile("\"trained_steps\"\\s*:\\s*(\\d+)");

  @Option(
      names = "--model",
      paramLabel = "DIR",
      description = "Model directory (default: the shipped " + ShippedModel.RELATIVE_DIR + ").")
  Path model;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      defaultValue = "docs/gallery",
      description = "Folder of the strips (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--page",
      paramLabel = "FILE",
      defaultValue = "docs/gallery.md",
      description = "The markdown page (default: ${DEFAULT-VALUE}).")
  Path page;

  @Option(
      names = "--scale",
      paramLabel = "N",
      defaultValue = "4",
      description = "Enlargement of each picture (default: ${DEFAULT-VALUE}).")
  int scale;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    Path modelDir;
    try {
      modelDir = ShippedModel.orShipped(model);
      if (scale < 1 || scale > GalleryStrip.MAX_SCALE) {
        throw new IllegalArgumentException(
            "--scale must be in 1.." + GalleryStrip.MAX_SCALE + ", got " + scale);
      }
    } catch (IllegalArgumentException e) {
      err.println("lumina gallery: " + e.getMessage());
      return 2;
    }
    try (QuietLogs quiet = QuietLogs.open();
        TempDataDir data = TempDataDir.create("lumina-gallery")) {
      long trainedSteps = trainedSteps(modelDir);
      EmbeddedCluster cluster;
      try {
        cluster =
            EmbeddedCluster.start(ClusterSettings.ephemeral(modelDir, data.path(), "gallery"), err);
      } catch (EmbeddedCluster.ModelLoadException e) {
        err.println("lumina gallery: --model " + e.getMessage());
        return 2;
      } catch (EmbeddedCluster.StartException e) {
        err.println("lumina gallery: the cluster did not start: " + e.getMessage());
        return 1;
      }
      try (cluster) {
        List<GalleryPage.MadeRow> made = new ArrayList<>();
        for (GalleryRow row : GalleryRow.shapes()) {
          made.add(
              makeRow(row, "127.0.0.1:" + cluster.gatewayPort(), data.path().resolve("raw"), err));
        }
        Files.createDirectories(page.toAbsolutePath().getParent());
        Path imageDir = page.toAbsolutePath().getParent().relativize(out.toAbsolutePath());
        Files.writeString(
            page,
            GalleryPage.markdown(
                cluster.model().getName(),
                trainedSteps,
                scale,
                imageDir.toString().replace('\\', '/'),
                made));
        err.println(
            "lumina gallery: wrote " + page + " and " + made.size() + " strips under " + out);
        return 0;
      }
    } catch (GalleryException | IOException | RuntimeException e) {
      err.println("lumina gallery: " + e.getMessage());
      return 1;
    } finally {
      err.flush();
    }
  }

  private GalleryPage.MadeRow makeRow(GalleryRow row, String server, Path raw, PrintWriter err)
      throws IOException, GalleryException {
    List<BufferedImage> parts = new ArrayList<>();
    long totalMs = 0;
    GenerateClient client =
        new GenerateClient("lumina gallery", new PrintWriter(Writer.nullWriter()), err);
    for (String prompt : row.prompts()) {
      err.println("lumina gallery: " + row.modality() + " \"" + prompt + "\"");
      long t0 = System.nanoTime();
      GenerateRequest request =
          GenerateRequest.newBuilder()
              .setModality(row.modality())
              .setPrompt(prompt)
              .setSampling(Sampling.newBuilder().setSeed(row.seed()))
              .build();
      GenerateResult result = client.generate(server, null, 3600, request, raw, false);
      totalMs += (System.nanoTime() - t0) / 1_000_000;
      if (result.exitCode() != 0) {
        throw new GalleryException(row.modality() + " \"" + prompt + "\" did not complete");
      }
      for (Path p : result.written()) {
        BufferedImage img = ImageIO.read(p.toFile());
        if (img == null) {
          throw new GalleryException(p + " is not a readable image");
        }
        parts.add(img);
      }
    }
    Files.createDirectories(out);
    Path file = out.resolve(row.file());
    if (!ImageIO.write(GalleryStrip.of(parts, scale, 2 * scale), "png", file.toFile())) {
      throw new IOException("no PNG writer");
    }
    return new GalleryPage.MadeRow(row, totalMs);
  }

  /** The checkpoint's training step from the trainer's model.json, or -1 when it does not say. */
  private static long trainedSteps(Path modelDir) throws IOException {
    Path card = modelDir.resolve("model.json");
    if (!Files.isRegularFile(card)) {
      return -1;
    }
    Matcher m = TRAINED_STEPS.matcher(Files.readString(card));
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  /** A gallery job did not complete or gave no picture; the client has printed why. */
  static final class GalleryException extends Exception {
    private static final long serialVersionUID = 1L;

    GalleryException(String message) {
      super(message);
    }
  }
}

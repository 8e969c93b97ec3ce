package dev.lumina.deploy.bench;

import dev.lumina.engine.RandomModel;
import dev.lumina.worker.flagdit.ModelCards;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The smallest model the cluster benchmark serves when given none: random weights written through
 * the engine's own init + save API — a pixel-space Flag-DiT (dim 32, 2 layers, 2 heads, patch 2)
 * and a one-layer text encoder — with 16x16 images and 2 grid points as defaults, so a job costs
 * milliseconds of model time and the cluster's own overhead dominates. Stateless.
 */
public final class BenchModelDir {
  /** The model's name in the catalog. */
  public static final String NAME = "bench-tiny";

  private BenchModelDir() {}

  /** Writes the model into {@code dir} (created if missing) and returns {@code dir}. */
  public static Path write(Path dir) throws IOException {
    RandomModel.write(dir, List.of("a red square on a blue field"), false, 1, 1);
    Files.writeString(
        dir.resolve(ModelCards.FILE),
        "{\"name\": \""
            + NAME
            + "\", \"train_side\": 16, \"default_width\": 16, \"default_height\": 16,"
            + " \"min_side\": 8, \"default_steps\": 2, \"default_cfg_scale\": 1.0}");
    return dir;
  }
}

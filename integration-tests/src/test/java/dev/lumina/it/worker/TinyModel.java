package dev.lumina.it.worker;

import dev.lumina.engine.RandomModel;
import dev.lumina.worker.flagdit.ModelCards;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A random-weight model directory written through the engine's init + save API: pixel-space
 * Flag-DiT (3 channels, patch 2, dim 32, 2 layers) and a one-layer text encoder.
 */
final class TinyModel {
  private TinyModel() {}

  static Path write(Path dir) throws IOException {
    RandomModel.write(dir, List.of("a red square on a blue field"), false, 3, 5);
    Files.writeString(
        dir.resolve(ModelCards.FILE),
        "{\"name\": \"tiny-it\", \"train_side\": 32, \"default_width\": 32, \"default_height\": 32,"
            + " \"min_side\": 16, \"max_side\": 256, \"default_steps\": 4, \"default_cfg_scale\":"
            + " 2.0}");
    return dir;
  }
}

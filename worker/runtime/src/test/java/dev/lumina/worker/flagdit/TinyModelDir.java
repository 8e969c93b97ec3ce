package dev.lumina.worker.flagdit;

import dev.lumina.engine.RandomModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a small random-weight model directory through the engine's own init + save API: a
 * pixel-space Flag-DiT (3 channels, patch 2, dim 32, 2 layers) and a one-layer text encoder.
 */
final class TinyModelDir {
  private TinyModelDir() {}

  static Path write(Path dir, boolean eofToken) throws IOException {
    RandomModel.write(
        dir, List.of("a red square on a blue field", "a green circle"), eofToken, 7, 11);
    Files.writeString(
        dir.resolve(ModelCards.FILE),
        "{\"name\": \"tiny\", \"train_side\": 32, \"default_width\": 32, \"default_height\": 32,"
            + " \"default_steps\": 5, \"default_cfg_scale\": 2.0, \"max_tokens\": 4224}");
    return dir;
  }
}

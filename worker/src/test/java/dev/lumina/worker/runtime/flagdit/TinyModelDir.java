package dev.lumina.worker.runtime.flagdit;

import ai.djl.ndarray.NDManager;
import dev.lumina.worker.model.FlagDit;
import dev.lumina.worker.model.FlagDitConfig;
import dev.lumina.worker.text.SmallTextEncoder;
import dev.lumina.worker.text.TextEncoderConfig;
import dev.lumina.worker.text.Tokenizer;
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
    Files.createDirectories(dir);
    try (NDManager m = NDManager.newBaseManager()) {
      Tokenizer tokenizer = Tokenizer.fromCorpus(List.of("a red square on a blue field", "a green circle"), 16);
      SmallTextEncoder text =
          SmallTextEncoder.initialize(new TextEncoderConfig(tokenizer.vocabularySize(), 16, 16, 1, 2), tokenizer, m, 7);
      text.save(dir);
      FlagDitConfig config =
          new FlagDitConfig(32, 2, 2, 2, true, 16, 2, 3, false, FlagDitConfig.ffnHidden(32, 32, null),
              1e-5f, 10000.0, 32, 10000.0, eofToken);
      FlagDit.initialize(config, m, 11).save(dir.resolve("model.safetensors"));
    }
    Files.writeString(
        dir.resolve(ModelCards.FILE),
        "{\"name\": \"tiny\", \"train_side\": 32, \"default_width\": 32, \"default_height\": 32,"
            + " \"default_steps\": 5, \"default_cfg_scale\": 2.0, \"max_tokens\": 4224}");
    return dir;
  }
}

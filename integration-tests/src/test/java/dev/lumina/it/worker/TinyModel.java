package dev.lumina.it.worker;

import ai.djl.ndarray.NDManager;
import dev.lumina.worker.model.FlagDit;
import dev.lumina.worker.model.FlagDitConfig;
import dev.lumina.worker.runtime.flagdit.ModelCards;
import dev.lumina.worker.text.SmallTextEncoder;
import dev.lumina.worker.text.TextEncoderConfig;
import dev.lumina.worker.text.Tokenizer;
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
    Files.createDirectories(dir);
    try (NDManager m = NDManager.newBaseManager()) {
      Tokenizer tokenizer = Tokenizer.fromCorpus(List.of("a red square on a blue field"), 16);
      SmallTextEncoder.initialize(new TextEncoderConfig(tokenizer.vocabularySize(), 16, 16, 1, 2), tokenizer, m, 3)
          .save(dir);
      FlagDitConfig config = new FlagDitConfig(32, 2, 2, 2, true, 16, 2, 3, false,
          FlagDitConfig.ffnHidden(32, 32, null), 1e-5f, 10000.0, 32, 10000.0, false);
      FlagDit.initialize(config, m, 5).save(dir.resolve("model.safetensors"));
    }
    Files.writeString(dir.resolve(ModelCards.FILE),
        "{\"name\": \"tiny-it\", \"train_side\": 32, \"default_width\": 32, \"default_height\": 32,"
            + " \"min_side\": 16, \"max_side\": 256, \"default_steps\": 4, \"default_cfg_scale\": 2.0}");
    return dir;
  }
}

package dev.lumina.it.procs;

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
 * The model directory the worker processes serve, written through the engine's own init + save API:
 * a random-weight pixel-space Flag-DiT (3 channels, patch 2, dim 32, 2 layers, with the
 * {@code [nextframe]} token, so IMAGE, VIDEO and MULTIVIEW) and a one-layer text encoder, plus a
 * {@value ModelCards#FILE} whose limits admit tiers {@code s} to {@code l}.
 */
final class ProcsModel {
  /** The model's name in the catalog. */
  static final String NAME = "tiny-procs";
  /** Pixels per token side: downsample 1 times patch 2. */
  static final int PIXEL_UNIT = 2;
  static final int MAX_STEPS = 200;
  static final int MAX_PROMPT_BYTES = 256;

  private ProcsModel() {}

  static Path write(Path dir) throws IOException {
    Files.createDirectories(dir);
    try (NDManager m = NDManager.newBaseManager()) {
      Tokenizer tokenizer = Tokenizer.fromCorpus(List.of("a red square on a blue field", "a green circle"), 16);
      SmallTextEncoder.initialize(new TextEncoderConfig(tokenizer.vocabularySize(), 16, 16, 1, 2), tokenizer, m, 3)
          .save(dir);
      FlagDitConfig config = new FlagDitConfig(32, 2, 2, 2, true, 16, 2, 3, false,
          FlagDitConfig.ffnHidden(32, 32, null), 1e-5f, 10000.0, 32, 10000.0, true);
      FlagDit.initialize(config, m, 5).save(dir.resolve("model.safetensors"));
    }
    Files.writeString(dir.resolve(ModelCards.FILE),
        "{\"name\": \"" + NAME + "\", \"train_side\": 32, \"default_width\": 32, \"default_height\": 32,"
            + " \"default_frames\": 2, \"default_views\": 2, \"min_side\": 16, \"max_side\": 512,"
            + " \"max_tokens\": 65536, \"max_steps\": " + MAX_STEPS + ", \"max_prompt_bytes\": " + MAX_PROMPT_BYTES
            + ", \"default_steps\": 2, \"default_cfg_scale\": 2.0}");
    return dir;
  }
}

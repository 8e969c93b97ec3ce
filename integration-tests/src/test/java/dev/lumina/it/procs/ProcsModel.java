package dev.lumina.it.procs;

import dev.lumina.engine.RandomModel;
import dev.lumina.worker.flagdit.ModelCards;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The model directory the worker processes serve, written through the engine's own init + save API:
 * a random-weight pixel-space Flag-DiT (3 channels, patch 2, dim 32, 2 layers, with the {@code
 * [nextframe]} token, so IMAGE, VIDEO and MULTIVIEW) and a one-layer text encoder, plus a {@value
 * ModelCards#FILE} whose limits admit tiers {@code s} to {@code l}.
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
    RandomModel.write(dir, List.of("a red square on a blue field", "a green circle"), true, 3, 5);
    Files.writeString(
        dir.resolve(ModelCards.FILE),
        "{\"name\": \""
            + NAME
            + "\", \"train_side\": 32, \"default_width\": 32, \"default_height\": 32,"
            + " \"default_frames\": 2, \"default_views\": 2, \"min_side\": 16, \"max_side\": 512,"
            + " \"max_tokens\": 65536, \"max_steps\": "
            + MAX_STEPS
            + ", \"max_prompt_bytes\": "
            + MAX_PROMPT_BYTES
            + ", \"default_steps\": 2, \"default_cfg_scale\": 2.0}");
    return dir;
  }
}

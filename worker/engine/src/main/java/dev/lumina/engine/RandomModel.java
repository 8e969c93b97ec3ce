package dev.lumina.engine;

import ai.djl.ndarray.NDManager;
import dev.lumina.engine.model.FlagDit;
import dev.lumina.engine.model.FlagDitConfig;
import dev.lumina.engine.text.SmallTextEncoder;
import dev.lumina.engine.text.TextEncoderConfig;
import dev.lumina.engine.text.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The smallest servable model, with random weights, written through the engine's own init + save
 * API: a pixel-space Flag-DiT (3 channels, patch 2, dim 32, 2 layers, 2 heads) and a one-layer text
 * encoder whose vocabulary is taken from a corpus. Jobs on it cost milliseconds, so tests and the
 * cluster benchmark measure everything but the model. The caller adds the model card. Stateless.
 */
public final class RandomModel {
  private RandomModel() {}

  /**
   * Writes {@code model.safetensors} and the text encoder files into {@code dir} (created if
   * missing).
   *
   * @param corpus captions the tokenizer's vocabulary is built from
   * @param nextFrameToken whether the model has the {@code [nextframe]} token (video and
   *     multi-view)
   * @param textSeed seed of the text encoder's initialisation
   * @param modelSeed seed of the Flag-DiT's initialisation
   * @return {@code dir}
   */
  public static Path write(
      Path dir, List<String> corpus, boolean nextFrameToken, long textSeed, long modelSeed)
      throws IOException {
    FlagDitConfig config =
        new FlagDitConfig(
            32,
            2,
            2,
            2,
            true,
            16,
            2,
            3,
            false,
            FlagDitConfig.ffnHidden(32, 32, null),
            1e-5f,
            10000.0,
            32,
            10000.0,
            nextFrameToken);
    return write(dir, corpus, 16, config, textSeed, modelSeed);
  }

  /**
   * Writes a random-weight model of any architecture ({@code config}) with a one-layer text encoder
   * (dim 16, 2 heads) whose captions hold at most {@code maxTokens} tokens.
   */
  public static Path write(
      Path dir,
      List<String> corpus,
      int maxTokens,
      FlagDitConfig config,
      long textSeed,
      long modelSeed)
      throws IOException {
    Files.createDirectories(dir);
    try (NDManager m = NDManager.newBaseManager()) {
      Tokenizer tokenizer = Tokenizer.fromCorpus(corpus, maxTokens);
      SmallTextEncoder.initialize(
              new TextEncoderConfig(tokenizer.vocabularySize(), maxTokens, 16, 1, 2),
              tokenizer,
              m,
              textSeed)
          .save(dir);
      FlagDit.initialize(config, m, modelSeed).save(dir.resolve("model.safetensors"));
    }
    return dir;
  }
}

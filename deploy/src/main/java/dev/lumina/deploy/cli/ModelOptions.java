package dev.lumina.deploy.cli;

import dev.lumina.deploy.demo.ShippedModel;
import dev.lumina.engine.ModelLayout;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The flags that say where a model is: {@code --model DIR} (a model folder, or the release layout
 * with {@code transformer/}, {@code text_encoder/} and {@code vae/}), and {@code --text-encoder} /
 * {@code --vae} for parts downloaded elsewhere. Without {@code --model}, commands that allow it
 * serve the shipped model.
 */
final class ModelOptions {
  @Option(
      names = "--model",
      paramLabel = "DIR",
      defaultValue = "${env:LUMINA_MODEL}",
      description =
          "Model directory: model.safetensors (or consolidated.RR-of-WW shards) with its text"
              + " encoder, or the release layout transformer/ + text_encoder/ + vae/ (default where"
              + " allowed: the shipped "
              + ShippedModel.RELATIVE_DIR
              + ").")
  Path model;

  @Option(
      names = "--text-encoder",
      paramLabel = "DIR",
      defaultValue = "${env:LUMINA_TEXT_ENCODER}",
      description =
          "A Hugging Face text encoder folder (e.g. Llama-2-7b-hf as downloaded) instead of the one"
              + " in --model.")
  Path textEncoder;

  @Option(
      names = "--vae",
      paramLabel = "DIR",
      defaultValue = "${env:LUMINA_VAE}",
      description =
          "A Hugging Face VAE folder (e.g. sdxl-vae as downloaded) instead of the one in --model.")
  Path vae;

  /** The layout named by the flags, the shipped model standing in for a missing {@code --model}. */
  ModelLayout layoutOrShipped() {
    return ModelLayout.of(ShippedModel.orShipped(model), textEncoder, vae);
  }

  /** The layout named by the flags; {@code --model} is required. */
  ModelLayout layout() {
    if (model == null) {
      throw new IllegalArgumentException("--model DIR is required");
    }
    return ModelLayout.of(model, textEncoder, vae);
  }
}

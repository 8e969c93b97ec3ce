package dev.lumina.engine;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Path;

/** Loads the latent decoder a model folder names. Stateless. */
final class LatentDecoders {
  private LatentDecoders() {}

  /**
   * The decoder in {@code folder} on {@code device}.
   *
   * @throws IOException when a file is missing or unreadable
   */
  static LatentDecoder load(Path folder, Device device) throws IOException {
    throw new IllegalArgumentException(folder + ": this engine has no VAE decoder yet");
  }
}

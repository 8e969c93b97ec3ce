package dev.lumina.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.lumina.engine.vae.VaeDecoder;
import java.io.IOException;
import java.nio.file.Path;

/** Loads the latent decoder a model folder names: a Hugging Face VAE folder. Stateless. */
final class LatentDecoders {
  private LatentDecoders() {}

  /**
   * The VAE decoder in {@code folder} on {@code device} (diffusers or original key layout; tiled
   * above the decoder's size threshold), on the configured engine ({@link Engines}).
   *
   * @throws IOException when a file is missing or unreadable
   */
  static LatentDecoder load(Path folder, Device device) throws IOException {
    VaeDecoder vae = Engines.prepare(VaeDecoder.load(folder, device));
    return new LatentDecoder() {
      @Override
      public NDArray decode(NDArray latents) {
        return vae.decode(latents);
      }

      @Override
      public long weightBytes() {
        return vae.weightBytes();
      }

      @Override
      public int spatialFactor() {
        return vae.spatialFactor();
      }

      @Override
      public void close() {
        vae.close();
      }
    };
  }
}

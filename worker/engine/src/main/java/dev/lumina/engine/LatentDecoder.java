package dev.lumina.engine;

import ai.djl.ndarray.NDArray;

/**
 * Turns the sampler's latents into pixels: a VAE decoder for latent models. Thread-safe for
 * concurrent {@link #decode} calls once loaded (the weights are read-only); {@link #close} must not
 * race with them.
 */
interface LatentDecoder extends AutoCloseable {

  /**
   * Decodes sampler latents {@code [B, C, h, w]} (the scaled latent space the Flag-DiT samples in)
   * into pixels {@code [B, 3, h·f, w·f]} with values about [-1, 1], {@code f} = {@link
   * #spatialFactor()}; the result is attached to the manager of {@code latents}.
   */
  NDArray decode(NDArray latents);

  /** Bytes its weights take on the device. */
  long weightBytes();

  /** Pixels per latent cell along each side. */
  int spatialFactor();

  @Override
  void close();
}

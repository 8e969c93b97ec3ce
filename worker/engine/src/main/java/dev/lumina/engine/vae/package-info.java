/**
 * The SDXL-family VAE decoder Lumina-T2I turns latents into pictures with: {@link
 * dev.lumina.engine.vae.VaeDecoder} (diffusers {@code AutoencoderKL.decode} in float32, from a
 * diffusers folder or the original LDM file), {@link dev.lumina.engine.vae.TiledDecoding} for
 * pictures above 1024 px and {@link dev.lumina.engine.vae.VaePictures} for the demo's
 * post-processing. Plain DJL ops; nothing PyTorch-specific.
 */
package dev.lumina.engine.vae;

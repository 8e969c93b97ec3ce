package dev.lumina.engine.model;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * A velocity forward over a batch of jobs of any layouts: what the sampler calls once per model
 * evaluation. {@link FlagDit#forward(List, List, NDArray, NDArray, NDArray, ForwardOptions)} on one
 * rank, or {@link ShardedFlagDit#on} for one rank of a shard group.
 */
@FunctionalInterface
public interface BatchForward {

  /** One latent per row with the model's input channels, attached to the first latent's manager. */
  List<NDArray> forward(
      List<NDArray> latents,
      List<TokenLayout> layouts,
      NDArray t,
      NDArray capFeats,
      NDArray capMask,
      ForwardOptions o);
}

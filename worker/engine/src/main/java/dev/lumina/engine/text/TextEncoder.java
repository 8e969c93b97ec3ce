package dev.lumina.engine.text;

import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * Turns prompts into the per-token caption features that condition Flag-DiT ({@code cap_feats} and
 * {@code cap_mask} in {@code flag-dit-spec.md} §2.4).
 *
 * <p>The contract is the one a large pretrained encoder (LLaMA, Gemma) would satisfy, so the model
 * never knows which encoder it is given: {@link #encode} returns features {@code [B, L,
 * featureDim()]} (float32) and a mask {@code [B, L]} (float32, 1 = real token, 0 = padding),
 * right-padded to the longest prompt of the batch and never longer than {@link #maxTokens()}. Every
 * row has at least one valid token, including the empty prompt {@code ""} that classifier-free
 * guidance uses as its unconditional caption. Features at padded positions are encoder-specific
 * (zero for {@link SmallTextEncoder}, ordinary causal-attention outputs for {@link
 * LlamaTextEncoder}); the model masks them by the mask ({@code cap_mask}).
 *
 * <p>Both arrays are attached to the {@code manager} passed in; the caller owns and closes them.
 * Encoding is deterministic and does not build an autograd graph unless the caller records
 * gradients (joint training does).
 *
 * <p>Thread-safety: implementations are safe for concurrent {@link #encode} calls once constructed;
 * the weights are read-only. {@link #close()} must not race with {@link #encode}.
 */
public interface TextEncoder extends AutoCloseable {

  /**
   * Encodes a batch of prompts.
   *
   * @param prompts one prompt per batch row, not empty; prompts longer than {@link #maxTokens()}
   *     tokens are truncated
   * @param manager where the returned arrays live
   * @return features {@code [B, L, featureDim()]} and mask {@code [B, L]}
   * @throws IllegalArgumentException if {@code prompts} is empty or contains {@code null}
   */
  EncodedText encode(List<String> prompts, NDManager manager);

  /** Width {@code Cy} of each token's feature vector. */
  int featureDim();

  /** Largest {@code L} this encoder returns (longer prompts are truncated). */
  int maxTokens();

  /** Bytes its weights take on the device (float32), or -1 when the encoder does not say. */
  default long weightBytes() {
    return -1;
  }

  /** Releases the encoder's weights. */
  @Override
  void close();
}

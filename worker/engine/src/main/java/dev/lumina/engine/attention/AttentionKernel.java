package dev.lumina.engine.attention;

import ai.djl.ndarray.NDArray;

/**
 * Scaled dot-product attention over heads: {@code softmax(q·kᵀ·scale + mask)·v}.
 *
 * <p>Shapes: {@code q} is {@code [B, H, Nq, Dh]}, {@code k} and {@code v} are {@code [B, H, Nk,
 * Dh]} (float32, same device). {@code keyMask} is {@code [B, Nk]} with 1 for keys that may be
 * attended and 0 for keys that must not (pad tokens, padded text), or {@code null} when every key
 * is valid. Every query row has at least one valid key. Returns {@code [B, H, Nq, Dh]}, attached to
 * the manager of {@code q}.
 *
 * <p>Implementations must not materialise the full {@code Nq × Nk} score tensor for long sequences
 * (fused kernels or chunking) and must support autograd when the inputs require gradients.
 * Implementations are thread-safe.
 */
public interface AttentionKernel {

  NDArray attend(NDArray q, NDArray k, NDArray v, NDArray keyMask, float scale);
}

package dev.lumina.engine.checkpoint;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Merges fairscale tensor-parallel shards into one TP=1 state dict by the Flag-DiT shard rule
 * (flag-dit-spec §12): column-parallel weights and biases and the per-rank attention gate and
 * q/k/ky norms concatenate along dim 0; row-parallel weights ({@code wo}, {@code w2}, {@code
 * t_embedder.mlp.2}) along dim 1; everything else is replicated and taken from rank 0. The per-rank
 * LayerNorm statistics of a TP>1 model are not reproduced (the merged model normalises over all
 * heads jointly). Stateless.
 */
public final class TensorParallelMerge {

  private static final Set<String> DIM0_SUFFIXES =
      Set.of(
          "attention.wq.weight",
          "attention.wk.weight",
          "attention.wv.weight",
          "attention.wk_y.weight",
          "attention.wv_y.weight",
          "attention.gate",
          "attention.q_norm.weight",
          "attention.q_norm.bias",
          "attention.k_norm.weight",
          "attention.k_norm.bias",
          "attention.ky_norm.weight",
          "attention.ky_norm.bias",
          "feed_forward.w1.weight",
          "feed_forward.w3.weight",
          "adaLN_modulation.1.weight",
          "adaLN_modulation.1.bias");
  private static final Set<String> DIM0_KEYS =
      Set.of(
          "x_embedder.weight",
          "x_embedder.bias",
          "t_embedder.mlp.0.weight",
          "t_embedder.mlp.0.bias",
          "cap_embedder.1.weight",
          "cap_embedder.1.bias",
          "final_layer.linear.weight",
          "final_layer.linear.bias");
  private static final Set<String> DIM1_SUFFIXES =
      Set.of("attention.wo.weight", "feed_forward.w2.weight");

  private TensorParallelMerge() {}

  /** The dim a key is split along: 0, 1, or -1 for replicated. */
  public static int splitDim(String key) {
    if (DIM0_KEYS.contains(key) || DIM0_SUFFIXES.stream().anyMatch(key::endsWith)) {
      return 0;
    }
    if (key.equals("t_embedder.mlp.2.weight") || DIM1_SUFFIXES.stream().anyMatch(key::endsWith)) {
      return 1;
    }
    return -1;
  }

  /** Merges shards given in rank order; every shard must hold the same keys. */
  public static Map<String, HostTensor> merge(List<Checkpoint> shards) {
    if (shards.size() == 1) {
      return shards.get(0).tensors();
    }
    Map<String, HostTensor> out = new LinkedHashMap<>();
    Set<String> keys = shards.get(0).tensors().keySet();
    for (int r = 1; r < shards.size(); r++) {
      if (!shards.get(r).tensors().keySet().equals(keys)) {
        throw new CheckpointFormatException(
            "tensor-parallel shard " + r + " has keys different from shard 0");
      }
    }
    for (String key : keys) {
      HostTensor[] parts = new HostTensor[shards.size()];
      for (int r = 0; r < parts.length; r++) {
        parts[r] = shards.get(r).tensors().get(key);
      }
      int dim = splitDim(key);
      out.put(key, dim < 0 ? parts[0] : concat(key, parts, dim));
    }
    return out;
  }

  /** Splits a TP=1 tensor into {@code world} shards (for tests and for writing TP checkpoints). */
  public static HostTensor[] split(String key, HostTensor t, int world) {
    int dim = splitDim(key);
    HostTensor[] out = new HostTensor[world];
    if (dim < 0) {
      Arrays.fill(out, t);
      return out;
    }
    long[] shape = t.shape();
    if (shape[dim] % world != 0) {
      throw new IllegalArgumentException(
          "'"
              + key
              + "' dim "
              + dim
              + " ("
              + shape[dim]
              + ") is not divisible by world size "
              + world);
    }
    long outer = 1;
    for (int i = 0; i < dim; i++) {
      outer *= shape[i];
    }
    long inner = 1;
    for (int i = dim + 1; i < shape.length; i++) {
      inner *= shape[i];
    }
    long part = shape[dim] / world;
    for (int r = 0; r < world; r++) {
      long[] s = shape.clone();
      s[dim] = part;
      float[] d = new float[(int) (outer * part * inner)];
      for (long o = 0; o < outer; o++) {
        System.arraycopy(
            t.data(),
            (int) ((o * shape[dim] + r * part) * inner),
            d,
            (int) (o * part * inner),
            (int) (part * inner));
      }
      out[r] = new HostTensor(s, d);
    }
    return out;
  }

  private static HostTensor concat(String key, HostTensor[] parts, int dim) {
    long[] shape = parts[0].shape();
    if (shape.length <= dim) {
      throw new CheckpointFormatException(
          "'" + key + "' has rank " + shape.length + " but is split along dim " + dim);
    }
    long total = 0;
    for (int r = 0; r < parts.length; r++) {
      long[] s = parts[r].shape();
      for (int i = 0; i < s.length; i++) {
        if (i != dim && (s.length != shape.length || s[i] != shape[i])) {
          throw new CheckpointFormatException(
              "'"
                  + key
                  + "' shard "
                  + r
                  + " has shape "
                  + Arrays.toString(s)
                  + ", incompatible with shard 0 "
                  + Arrays.toString(shape));
        }
      }
      total += s[dim];
    }
    long outer = 1;
    for (int i = 0; i < dim; i++) {
      outer *= shape[i];
    }
    long inner = 1;
    for (int i = dim + 1; i < shape.length; i++) {
      inner *= shape[i];
    }
    long[] merged = shape.clone();
    merged[dim] = total;
    float[] d = new float[(int) (outer * total * inner)];
    long pos = 0;
    for (long o = 0; o < outer; o++) {
      for (HostTensor p : parts) {
        int len = (int) (p.shape()[dim] * inner);
        System.arraycopy(p.data(), (int) (o * len), d, (int) pos, len);
        pos += len;
      }
    }
    return new HostTensor(merged, d);
  }
}

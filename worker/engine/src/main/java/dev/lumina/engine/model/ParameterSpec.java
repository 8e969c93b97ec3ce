package dev.lumina.engine.model;

import dev.lumina.engine.checkpoint.CheckpointFormatException;
import dev.lumina.engine.checkpoint.HostTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The official state-dict keys and shapes of a Flag-DiT config (flag-dit-spec §11), their
 * validation against a checkpoint, and the §16 initialisation. Stateless.
 */
final class ParameterSpec {

  enum Init {
    ZERO,
    ONE,
    XAVIER,
    NORMAL_002
  }

  record Param(String key, long[] shape, Init init) {}

  private ParameterSpec() {}

  static List<Param> params(FlagDitConfig c) {
    int d = c.dim();
    int dc = c.condDim();
    int hd = c.headDim();
    int kv = c.nKvHeads() * hd;
    int cy = c.capFeatDim();
    List<Param> ps = new ArrayList<>();
    add(ps, c.inputProjection() + ".weight", Init.XAVIER, d, c.patchInputs());
    add(ps, c.inputProjection() + ".bias", Init.ZERO, d);
    add(ps, "t_embedder.mlp.0.weight", Init.NORMAL_002, dc, c.tFreqDim());
    add(ps, "t_embedder.mlp.0.bias", Init.ZERO, dc);
    add(ps, "t_embedder.mlp.2.weight", Init.NORMAL_002, dc, dc);
    add(ps, "t_embedder.mlp.2.bias", Init.ZERO, dc);
    add(ps, "cap_embedder.0.weight", Init.ONE, cy);
    add(ps, "cap_embedder.0.bias", Init.ZERO, cy);
    add(ps, "cap_embedder.1.weight", Init.ZERO, dc, cy);
    add(ps, "cap_embedder.1.bias", Init.ZERO, dc);
    for (int i = 0; i < c.nLayers(); i++) {
      String p = "layers." + i + ".";
      add(ps, p + "attention.wq.weight", Init.XAVIER, c.nHeads() * hd, d);
      add(ps, p + "attention.wk.weight", Init.XAVIER, kv, d);
      add(ps, p + "attention.wv.weight", Init.XAVIER, kv, d);
      add(ps, p + "attention.wo.weight", Init.XAVIER, d, c.nHeads() * hd);
      add(ps, p + "attention.wk_y.weight", Init.XAVIER, kv, cy);
      add(ps, p + "attention.wv_y.weight", Init.XAVIER, kv, cy);
      add(ps, p + "attention.gate", Init.ZERO, c.nHeads());
      if (c.qkNorm()) {
        add(ps, p + "attention.q_norm.weight", Init.ONE, c.nHeads() * hd);
        add(ps, p + "attention.q_norm.bias", Init.ZERO, c.nHeads() * hd);
        add(ps, p + "attention.k_norm.weight", Init.ONE, kv);
        add(ps, p + "attention.k_norm.bias", Init.ZERO, kv);
        add(ps, p + "attention.ky_norm.weight", Init.ONE, kv);
        add(ps, p + "attention.ky_norm.bias", Init.ZERO, kv);
      }
      add(ps, p + "feed_forward.w1.weight", Init.XAVIER, c.ffnHiddenDim(), d);
      add(ps, p + "feed_forward.w2.weight", Init.XAVIER, d, c.ffnHiddenDim());
      add(ps, p + "feed_forward.w3.weight", Init.XAVIER, c.ffnHiddenDim(), d);
      add(ps, p + "attention_norm.weight", Init.ONE, d);
      add(ps, p + "ffn_norm.weight", Init.ONE, d);
      add(ps, p + "attention_y_norm.weight", Init.ONE, cy);
      add(ps, p + "adaLN_modulation.1.weight", Init.ZERO, 6L * d, dc);
      add(ps, p + "adaLN_modulation.1.bias", Init.ZERO, 6L * d);
    }
    add(
        ps,
        "final_layer.linear.weight",
        Init.ZERO,
        (long) c.patchSize() * c.patchSize() * c.outChannels(),
        d);
    add(
        ps,
        "final_layer.linear.bias",
        Init.ZERO,
        (long) c.patchSize() * c.patchSize() * c.outChannels());
    add(ps, "final_layer.adaLN_modulation.1.weight", Init.ZERO, 2L * d, dc);
    add(ps, "final_layer.adaLN_modulation.1.bias", Init.ZERO, 2L * d);
    if (c.variant() == FlagDitConfig.Variant.T2I) {
      add(ps, "eol_token", Init.NORMAL_002, d);
      add(ps, "pad_token", Init.NORMAL_002, d);
    }
    if (c.hasEofToken()) {
      add(ps, "eof_token", Init.NORMAL_002, d);
    }
    return ps;
  }

  private static void add(List<Param> ps, String key, Init init, long... shape) {
    ps.add(new Param(key, shape, init));
  }

  /** Checks keys and shapes; the error lists every missing, unexpected and mis-shaped key. */
  static void validate(FlagDitConfig c, Map<String, long[]> shapes) {
    List<String> problems = new ArrayList<>();
    Map<String, Param> expected = new LinkedHashMap<>();
    for (Param p : params(c)) {
      expected.put(p.key(), p);
    }
    for (Param p : expected.values()) {
      long[] s = shapes.get(p.key());
      if (s == null) {
        problems.add(
            "missing key '" + p.key() + "' (expected shape " + Arrays.toString(p.shape()) + ")");
      } else if (!Arrays.equals(s, p.shape())) {
        problems.add(
            "key '"
                + p.key()
                + "' has shape "
                + Arrays.toString(s)
                + ", expected "
                + Arrays.toString(p.shape()));
      }
    }
    long[] pos = shapes.get(AbsolutePositions.KEY);
    if (pos != null && !Arrays.equals(pos, new long[] {c.dim()})) {
      problems.add(
          "key '"
              + AbsolutePositions.KEY
              + "' has shape "
              + Arrays.toString(pos)
              + ", expected ["
              + c.dim()
              + "]");
    }
    for (String k : shapes.keySet()) {
      if (!expected.containsKey(k) && !k.equals(AbsolutePositions.KEY)) {
        problems.add("unexpected key '" + k + "'");
      }
    }
    if (!problems.isEmpty()) {
      throw new CheckpointFormatException(
          "checkpoint does not match the Flag-DiT config: " + String.join("; ", problems));
    }
  }

  /** Fresh parameters per flag-dit-spec §16, reproducible from {@code seed}. */
  static Map<String, HostTensor> initialise(FlagDitConfig c, long seed) {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (Param p : params(c)) {
      long n = 1;
      for (long s : p.shape()) {
        n *= s;
      }
      float[] data = new float[(int) n];
      SplittableRandom rnd =
          new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * p.key().hashCode()));
      switch (p.init()) {
        case ZERO -> {}
        case ONE -> Arrays.fill(data, 1f);
        case NORMAL_002 -> {
          for (int i = 0; i < data.length; i++) {
            data[i] = (float) (0.02 * rnd.nextGaussian());
          }
        }
        case XAVIER -> {
          double bound = Math.sqrt(6.0 / (p.shape()[0] + p.shape()[1]));
          for (int i = 0; i < data.length; i++) {
            data[i] = (float) rnd.nextDouble(-bound, bound);
          }
        }
        default -> throw new IllegalStateException();
      }
      out.put(p.key(), new HostTensor(p.shape(), data));
    }
    return out;
  }
}

package dev.lumina.engine.text;

import dev.lumina.engine.checkpoint.HostTensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A naive LLaMA forward in plain Java (double accumulation, explicit loops, GQA by head index
 * arithmetic), independent of the DJL implementation, plus random weights for small configs.
 */
final class LlamaReference {

  private LlamaReference() {}

  /** Random weights (no {@code model.} prefix): norms 1+N(0,0.1), the rest N(0, 1/in). */
  static Map<String, HostTensor> random(LlamaConfig c, Random r) {
    int d = c.hiddenSize();
    int q = c.heads() * c.headDim();
    int kv = c.kvHeads() * c.headDim();
    int f = c.intermediateSize();
    Map<String, HostTensor> w = new LinkedHashMap<>();
    w.put("embed_tokens.weight", normal(r, 0, 1, c.vocabSize(), d));
    for (int i = 0; i < c.layers(); i++) {
      String l = "layers." + i + ".";
      w.put(l + "input_layernorm.weight", normal(r, 1, 0.1, d));
      w.put(l + "self_attn.q_proj.weight", normal(r, 0, 1 / Math.sqrt(d), q, d));
      w.put(l + "self_attn.k_proj.weight", normal(r, 0, 1 / Math.sqrt(d), kv, d));
      w.put(l + "self_attn.v_proj.weight", normal(r, 0, 1 / Math.sqrt(d), kv, d));
      w.put(l + "self_attn.o_proj.weight", normal(r, 0, 1 / Math.sqrt(q), d, q));
      w.put(l + "post_attention_layernorm.weight", normal(r, 1, 0.1, d));
      w.put(l + "mlp.gate_proj.weight", normal(r, 0, 1 / Math.sqrt(d), f, d));
      w.put(l + "mlp.up_proj.weight", normal(r, 0, 1 / Math.sqrt(d), f, d));
      w.put(l + "mlp.down_proj.weight", normal(r, 0, 1 / Math.sqrt(f), d, f));
    }
    w.put("norm.weight", normal(r, 1, 0.1, d));
    return w;
  }

  /** The same weights with every kv head copied for each query head it serves (an MHA model). */
  static Map<String, HostTensor> repeatKv(LlamaConfig c, Map<String, HostTensor> w) {
    Map<String, HostTensor> out = new LinkedHashMap<>(w);
    int rep = c.heads() / c.kvHeads();
    int dh = c.headDim();
    int d = c.hiddenSize();
    for (String key : w.keySet()) {
      if (key.endsWith("k_proj.weight") || key.endsWith("v_proj.weight")) {
        float[] src = w.get(key).data();
        float[] dst = new float[c.heads() * dh * d];
        for (int h = 0; h < c.heads(); h++) {
          System.arraycopy(src, (h / rep) * dh * d, dst, h * dh * d, dh * d);
        }
        out.put(key, new HostTensor(new long[] {(long) c.heads() * dh, d}, dst));
      }
    }
    return out;
  }

  /** {@code last_hidden_state} {@code [B, L, hidden]}, flattened, with no attention mask. */
  static float[] forward(LlamaConfig c, Map<String, HostTensor> w, TokenBatch batch) {
    int d = c.hiddenSize();
    int len = batch.length();
    float[] out = new float[batch.batch() * len * d];
    for (int b = 0; b < batch.batch(); b++) {
      double[][] x = new double[len][d];
      float[] emb = w.get("embed_tokens.weight").data();
      for (int t = 0; t < len; t++) {
        int id = (int) batch.ids()[b * len + t];
        for (int i = 0; i < d; i++) {
          x[t][i] = emb[id * d + i];
        }
      }
      for (int l = 0; l < c.layers(); l++) {
        x = layer(c, w, "layers." + l + ".", x);
      }
      double[][] y = norm(x, w.get("norm.weight").data(), c.rmsNormEps());
      for (int t = 0; t < len; t++) {
        for (int i = 0; i < d; i++) {
          out[(b * len + t) * d + i] = (float) y[t][i];
        }
      }
    }
    return out;
  }

  private static double[][] layer(
      LlamaConfig c, Map<String, HostTensor> w, String l, double[][] x) {
    int len = x.length;
    int dh = c.headDim();
    int rep = c.heads() / c.kvHeads();
    double[][] u = norm(x, w.get(l + "input_layernorm.weight").data(), c.rmsNormEps());
    double[][] q = rope(c, matmul(u, w.get(l + "self_attn.q_proj.weight")), c.heads());
    double[][] k = rope(c, matmul(u, w.get(l + "self_attn.k_proj.weight")), c.kvHeads());
    double[][] v = matmul(u, w.get(l + "self_attn.v_proj.weight"));
    double[][] o = new double[len][c.heads() * dh];
    for (int h = 0; h < c.heads(); h++) {
      int g = h / rep;
      for (int i = 0; i < len; i++) {
        double[] s = new double[i + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j <= i; j++) {
          double dot = 0;
          for (int e = 0; e < dh; e++) {
            dot += q[i][h * dh + e] * k[j][g * dh + e];
          }
          s[j] = dot / Math.sqrt(dh);
          max = Math.max(max, s[j]);
        }
        double sum = 0;
        for (int j = 0; j <= i; j++) {
          s[j] = Math.exp(s[j] - max);
          sum += s[j];
        }
        for (int j = 0; j <= i; j++) {
          for (int e = 0; e < dh; e++) {
            o[i][h * dh + e] += s[j] / sum * v[j][g * dh + e];
          }
        }
      }
    }
    double[][] x1 = add(x, matmul(o, w.get(l + "self_attn.o_proj.weight")));
    double[][] u2 = norm(x1, w.get(l + "post_attention_layernorm.weight").data(), c.rmsNormEps());
    double[][] gate = matmul(u2, w.get(l + "mlp.gate_proj.weight"));
    double[][] up = matmul(u2, w.get(l + "mlp.up_proj.weight"));
    for (int t = 0; t < len; t++) {
      for (int i = 0; i < gate[t].length; i++) {
        gate[t][i] = gate[t][i] / (1 + Math.exp(-gate[t][i])) * up[t][i];
      }
    }
    return add(x1, matmul(gate, w.get(l + "mlp.down_proj.weight")));
  }

  /** HF rotate_half RoPE per head: pairs (i, i + d/2), angle p / theta^(2i/d). */
  private static double[][] rope(LlamaConfig c, double[][] t, int heads) {
    int dh = c.headDim();
    int half = dh / 2;
    double[][] out = new double[t.length][t[0].length];
    for (int p = 0; p < t.length; p++) {
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < half; i++) {
          double a = p / Math.pow(c.ropeTheta(), 2.0 * i / dh);
          double x1 = t[p][h * dh + i];
          double x2 = t[p][h * dh + half + i];
          out[p][h * dh + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
          out[p][h * dh + half + i] = x2 * Math.cos(a) + x1 * Math.sin(a);
        }
      }
    }
    return out;
  }

  private static double[][] norm(double[][] x, float[] weight, double eps) {
    double[][] out = new double[x.length][x[0].length];
    for (int t = 0; t < x.length; t++) {
      double ms = 0;
      for (double v : x[t]) {
        ms += v * v;
      }
      double inv = 1 / Math.sqrt(ms / x[t].length + eps);
      for (int i = 0; i < x[t].length; i++) {
        out[t][i] = x[t][i] * inv * weight[i];
      }
    }
    return out;
  }

  /** {@code x · Wᵀ} with W {@code [out, in]}. */
  private static double[][] matmul(double[][] x, HostTensor w) {
    int out = (int) w.shape()[0];
    int in = (int) w.shape()[1];
    double[][] y = new double[x.length][out];
    for (int t = 0; t < x.length; t++) {
      for (int o = 0; o < out; o++) {
        double s = 0;
        for (int i = 0; i < in; i++) {
          s += x[t][i] * w.data()[o * in + i];
        }
        y[t][o] = s;
      }
    }
    return y;
  }

  private static double[][] add(double[][] a, double[][] b) {
    double[][] out = new double[a.length][a[0].length];
    for (int t = 0; t < a.length; t++) {
      for (int i = 0; i < a[t].length; i++) {
        out[t][i] = a[t][i] + b[t][i];
      }
    }
    return out;
  }

  private static HostTensor normal(Random r, double mean, double std, int... shape) {
    long[] s = new long[shape.length];
    int n = 1;
    for (int i = 0; i < shape.length; i++) {
      s[i] = shape[i];
      n *= shape[i];
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (mean + std * r.nextGaussian());
    }
    return new HostTensor(s, v);
  }
}

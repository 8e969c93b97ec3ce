package dev.lumina.engine.model;

import dev.lumina.engine.checkpoint.CheckpointFormatException;
import dev.lumina.engine.checkpoint.Metadata;
import java.util.Map;

/**
 * The architecture of one Flag-DiT (flag-dit-spec §1–§6): sizes, norms, RoPE base and the timestep
 * embedding. Immutable and thread-safe; validated on construction.
 *
 * @param dim model width D
 * @param nLayers transformer blocks
 * @param nHeads query heads H (D must be divisible by H)
 * @param nKvHeads key/value heads (divides H)
 * @param qkNorm LayerNorm on q, k and text keys
 * @param capFeatDim text feature width Cy
 * @param patchSize latent cells per patch side (1 for audio models)
 * @param inChannels latent channels C
 * @param learnSigma the model emits 2C channels of which the first C are the velocity
 * @param ffnHiddenDim SwiGLU hidden width
 * @param normEps RMSNorm and LayerNorm epsilon (final norm always uses 1e-6)
 * @param ropeTheta RoPE base before the NTK factor
 * @param tFreqDim sinusoidal timestep embedding width (even)
 * @param tMaxPeriod sinusoidal max period
 * @param hasEofToken the checkpoint holds {@code eof_token} ([nextframe]) and can serve
 *     video/multi-view
 * @param variant the released model family whose key names and conditioning rules apply
 */
public record FlagDitConfig(
    int dim,
    int nLayers,
    int nHeads,
    int nKvHeads,
    boolean qkNorm,
    int capFeatDim,
    int patchSize,
    int inChannels,
    boolean learnSigma,
    int ffnHiddenDim,
    float normEps,
    double ropeTheta,
    int tFreqDim,
    double tMaxPeriod,
    boolean hasEofToken,
    Variant variant) {

  /**
   * Key names and conditioning rules of a released model family.
   *
   * <ul>
   *   <li>{@code T2I} — Lumina-T2I (flag-dit-spec §2–§11): {@code x_embedder}, t fed raw in [0, 1],
   *       adaLN width min(D, 1024), {@code eol_token} and {@code pad_token}.
   *   <li>{@code AUDIO} — lumina_music / lumina_audio (§13): 1-D input projection {@code proj_in}
   *       (Linear(C → D), patch size 1), t fed as int(t·1000), adaLN width D, no learn_sigma, no
   *       layout tokens (pads are zero vectors), every text token valid (the caption mask is
   *       ignored).
   * </ul>
   */
  public enum Variant {
    T2I,
    AUDIO
  }

  /**
   * A {@link Variant#T2I} config (the 15-value form used for image, video and multi-view models).
   */
  public FlagDitConfig(
      int dim,
      int nLayers,
      int nHeads,
      int nKvHeads,
      boolean qkNorm,
      int capFeatDim,
      int patchSize,
      int inChannels,
      boolean learnSigma,
      int ffnHiddenDim,
      float normEps,
      double ropeTheta,
      int tFreqDim,
      double tMaxPeriod,
      boolean hasEofToken) {
    this(
        dim,
        nLayers,
        nHeads,
        nKvHeads,
        qkNorm,
        capFeatDim,
        patchSize,
        inChannels,
        learnSigma,
        ffnHiddenDim,
        normEps,
        ropeTheta,
        tFreqDim,
        tMaxPeriod,
        hasEofToken,
        Variant.T2I);
  }

  public FlagDitConfig {
    if (variant == null) {
      throw new IllegalArgumentException("variant must be set");
    }
    if (variant == Variant.AUDIO && (patchSize != 1 || learnSigma || hasEofToken)) {
      throw new IllegalArgumentException(
          "an AUDIO config needs patchSize 1, learnSigma false and no "
              + "eof_token, got patchSize "
              + patchSize
              + ", learnSigma "
              + learnSigma
              + ", hasEofToken "
              + hasEofToken);
    }
    positive("dim", dim);
    positive("nLayers", nLayers);
    positive("nHeads", nHeads);
    positive("nKvHeads", nKvHeads);
    positive("capFeatDim", capFeatDim);
    positive("patchSize", patchSize);
    positive("inChannels", inChannels);
    positive("ffnHiddenDim", ffnHiddenDim);
    positive("tFreqDim", tFreqDim);
    if (dim % nHeads != 0) {
      throw new IllegalArgumentException(
          "dim (" + dim + ") must be divisible by nHeads (" + nHeads + ")");
    }
    if (nHeads % nKvHeads != 0) {
      throw new IllegalArgumentException(
          "nHeads (" + nHeads + ") must be divisible by nKvHeads (" + nKvHeads + ")");
    }
    if ((dim / nHeads) % 2 != 0) {
      throw new IllegalArgumentException("head dim " + dim / nHeads + " must be even for RoPE");
    }
    if (tFreqDim % 2 != 0) {
      throw new IllegalArgumentException("tFreqDim must be even, got " + tFreqDim);
    }
    if (!(normEps > 0) || !(ropeTheta > 0) || !(tMaxPeriod > 0)) {
      throw new IllegalArgumentException("normEps, ropeTheta and tMaxPeriod must be > 0");
    }
  }

  /**
   * A small config with the Lumina defaults: qk-norm, p=2, C=4, learn_sigma, FFN rule with multiple
   * 256.
   */
  public static FlagDitConfig of(int dim, int nLayers, int nHeads, int capFeatDim) {
    return new FlagDitConfig(
        dim,
        nLayers,
        nHeads,
        nHeads,
        true,
        capFeatDim,
        2,
        4,
        true,
        ffnHidden(dim, 256, null),
        1e-5f,
        10000.0,
        256,
        10000.0,
        false);
  }

  /**
   * A lumina_music-style audio config (flag-dit-spec §13): no qk-norm, p = 1, {@code melChannels}
   * latent channels per frame, no learn_sigma, FFN rule with multiple 256.
   */
  public static FlagDitConfig audio(
      int dim, int nLayers, int nHeads, int capFeatDim, int melChannels) {
    return new FlagDitConfig(
        dim,
        nLayers,
        nHeads,
        nHeads,
        false,
        capFeatDim,
        1,
        melChannels,
        false,
        ffnHidden(dim, 256, null),
        1e-5f,
        10000.0,
        256,
        10000.0,
        false,
        Variant.AUDIO);
  }

  /**
   * The released Lumina-T2Music model: D 768, 16 layers, 32 heads, FLAN-T5-L (1024), 20 mel-VAE
   * channels.
   */
  public static FlagDitConfig luminaMusic() {
    return audio(768, 16, 32, 1024, 20);
  }

  /** The FFN hidden rule of flag-dit-spec §1. */
  public static int ffnHidden(int dim, int multipleOf, Double multiplier) {
    int h = (int) Math.floor(2.0 * (4 * dim) / 3.0);
    if (multiplier != null) {
      h = (int) Math.floor(multiplier * h);
    }
    return multipleOf * ((h + multipleOf - 1) / multipleOf);
  }

  public int headDim() {
    return dim / nHeads;
  }

  /** Width of the adaLN conditioning vector: min(D, 1024), or D for {@link Variant#AUDIO}. */
  public int condDim() {
    return variant == Variant.AUDIO ? dim : Math.min(dim, 1024);
  }

  /**
   * State-dict prefix of the input projection: {@code x_embedder}, or {@code proj_in} for audio.
   */
  public String inputProjection() {
    return variant == Variant.AUDIO ? "proj_in" : "x_embedder";
  }

  public int outChannels() {
    return learnSigma ? 2 * inChannels : inChannels;
  }

  /** Inputs per patch token, C·p². */
  public int patchInputs() {
    return inChannels * patchSize * patchSize;
  }

  /**
   * The config of a checkpoint: from its {@code __metadata__} where present (JSON-encoded values,
   * keys as the reference export: dim, n_layers, n_heads, n_kv_heads, qk_norm, cap_feat_dim,
   * patch_size, in_channels, learn_sigma, ffn_hidden_dim, norm_eps, rope_theta,
   * t_freq_embedding_size, t_max_period), otherwise inferred from tensor shapes. When neither
   * metadata nor shapes fix the patch size, p = 2 is assumed if C·p² is divisible by 4. A
   * checkpoint with {@code proj_in.weight} is {@link Variant#AUDIO} (patch size 1).
   */
  public static FlagDitConfig infer(Metadata md, Map<String, long[]> shapes) {
    boolean audio = shapes.containsKey("proj_in.weight");
    long[] xe = require(shapes, audio ? "proj_in.weight" : "x_embedder.weight");
    long[] fl = require(shapes, "final_layer.linear.weight");
    long[] gate = require(shapes, "layers.0.attention.gate");
    long[] wk = require(shapes, "layers.0.attention.wk.weight");
    long[] wky = require(shapes, "layers.0.attention.wk_y.weight");
    long[] w1 = require(shapes, "layers.0.feed_forward.w1.weight");
    int dim = md.integer("dim").orElse((int) xe[0]);
    int layers =
        md.integer("n_layers")
            .orElseGet(
                () -> {
                  int n = 0;
                  while (shapes.containsKey("layers." + n + ".attention.wq.weight")) {
                    n++;
                  }
                  return n;
                });
    int heads = md.integer("n_heads").orElse((int) gate[0]);
    int kvHeads = md.integer("n_kv_heads").orElse((int) (wk[0] / (dim / heads)));
    boolean qk = md.bool("qk_norm").orElse(shapes.containsKey("layers.0.attention.q_norm.weight"));
    int cy = md.integer("cap_feat_dim").orElse((int) wky[1]);
    int in = (int) xe[1];
    boolean sigma = md.bool("learn_sigma").orElse(fl[0] == 2 * xe[1]);
    int p =
        audio
            ? 1
            : md.integer("patch_size")
                .orElseGet(
                    () -> {
                      Integer c = md.integer("in_channels").orElse(null);
                      if (c != null) {
                        return (int) Math.round(Math.sqrt((double) in / c));
                      }
                      return in % 4 == 0 ? 2 : 1;
                    });
    int c = md.integer("in_channels").orElse(in / (p * p));
    int ffn = md.integer("ffn_hidden_dim").orElse((int) w1[0]);
    float eps = md.decimal("norm_eps").orElse(1e-5).floatValue();
    double theta = md.decimal("rope_theta").orElse(10000.0);
    int tf =
        md.integer("t_freq_embedding_size")
            .orElse(
                shapes.containsKey("t_embedder.mlp.0.weight")
                    ? (int) shapes.get("t_embedder.mlp.0.weight")[1]
                    : 256);
    double period = md.decimal("t_max_period").orElse(10000.0);
    return new FlagDitConfig(
        dim,
        layers,
        heads,
        kvHeads,
        qk,
        cy,
        p,
        c,
        sigma,
        ffn,
        eps,
        theta,
        tf,
        period,
        shapes.containsKey("eof_token"),
        audio ? Variant.AUDIO : Variant.T2I);
  }

  /** Metadata entries (JSON-encoded) that {@link #infer} reads back. */
  public Map<String, String> toMetadata() {
    return Map.ofEntries(
        Map.entry("dim", "" + dim),
        Map.entry("n_layers", "" + nLayers),
        Map.entry("n_heads", "" + nHeads),
        Map.entry("n_kv_heads", "" + nKvHeads),
        Map.entry("qk_norm", "" + qkNorm),
        Map.entry("cap_feat_dim", "" + capFeatDim),
        Map.entry("patch_size", "" + patchSize),
        Map.entry("in_channels", "" + inChannels),
        Map.entry("learn_sigma", "" + learnSigma),
        Map.entry("ffn_hidden_dim", "" + ffnHiddenDim),
        Map.entry("norm_eps", "" + normEps),
        Map.entry("rope_theta", "" + ropeTheta),
        Map.entry("t_freq_embedding_size", "" + tFreqDim),
        Map.entry("t_max_period", "" + tMaxPeriod),
        Map.entry("dtype", "\"F32\""));
  }

  private static long[] require(Map<String, long[]> shapes, String key) {
    long[] s = shapes.get(key);
    if (s == null) {
      throw new CheckpointFormatException(
          "missing key '" + key + "' needed to infer the model config");
    }
    return s;
  }

  private static void positive(String name, int v) {
    if (v < 1) {
      throw new IllegalArgumentException(name + " must be >= 1, got " + v);
    }
  }
}

package dev.lumina.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The token sequences of a batch, before and after the trunk (flag-dit-spec §2, §6): {@link #of}
 * patch-embeds every latent, places its layout tokens and pads the rows to the longest; {@link
 * #finish} turns the final layer's tokens back into one latent per row. Shared by the one-rank and
 * the sharded forwards, so both see exactly the same sequence.
 *
 * @param x {@code [B, maxN, D]}
 * @param xMask {@code [B, maxN]}, 1 for a row's own tokens, 0 for its padding
 * @param capMaskF the caption mask as float32 (all ones for audio)
 * @param maxN the longest row's token count
 * @param counts each row's token count
 * @param embedded the patch embeddings of every row, concatenated (the trace reports them)
 */
record Arranged(
    NDArray x, NDArray xMask, NDArray capMaskF, long maxN, long[] counts, NDArray embedded) {

  static Arranged of(
      Weights weights,
      FlagDitConfig config,
      List<NDArray> latents,
      List<TokenLayout> layouts,
      NDArray t,
      NDArray capFeats,
      NDArray capMask) {
    int b = latents.size();
    if (layouts.size() != b) {
      throw new IllegalArgumentException(
          "layouts (" + layouts.size() + ") must match latents (" + b + ")");
    }
    ForwardInputs.check(config, b, t, capFeats, capMask);
    int p = config.patchSize();
    NDManager m = latents.get(0).getManager();
    List<NDArray> patches = new ArrayList<>();
    for (int i = 0; i < b; i++) {
      patches.add(layouts.get(i).patchify(latents.get(i), p, config.inChannels()));
    }
    NDArray embedded =
        weights.linear(NDArrays.concat(new NDList(patches), 0), config.inputProjection());
    if (weights.has(AbsolutePositions.KEY)) {
      List<NDArray> tables = new ArrayList<>();
      for (int i = 0; i < b; i++) {
        TokenLayout l = layouts.get(i);
        if (l.kind() == TokenLayout.Kind.AUDIO) {
          throw new IllegalArgumentException("absolute positions apply to pictures, not audio");
        }
        tables.add(
            AbsolutePositions.table(m, l.frames(), l.height() / p, l.width() / p, config.dim()));
      }
      NDArray gain = weights.local(embedded, AbsolutePositions.KEY);
      embedded = embedded.add(NDArrays.concat(new NDList(tables), 0).mul(gain));
    }
    NDArray eol = weights.has("eol_token") ? weights.local(embedded, "eol_token") : null;
    NDArray eof = weights.has("eof_token") ? weights.local(embedded, "eof_token") : null;
    long[] counts = new long[b];
    long maxN = 0;
    for (int i = 0; i < b; i++) {
      counts[i] = layouts.get(i).tokenCount(p);
      maxN = Math.max(maxN, counts[i]);
    }
    List<NDArray> seqs = new ArrayList<>();
    float[] mask = new float[(int) (b * maxN)];
    long offset = 0;
    for (int i = 0; i < b; i++) {
      long np = patches.get(i).getShape().get(0);
      NDArray seq =
          layouts
              .get(i)
              .arrange(embedded.get(new NDIndex("{}:{}", offset, offset + np)), eol, eof, p);
      offset += np;
      if (counts[i] < maxN) {
        seq = seq.concat(padding(weights, m, maxN - counts[i], config.dim()), 0);
      }
      seqs.add(seq);
      Arrays.fill(mask, (int) (i * maxN), (int) (i * maxN + counts[i]), 1f);
    }
    NDArray x = NDArrays.stack(new NDList(seqs));
    NDArray xMask = m.create(mask, new Shape(b, maxN));
    NDArray capMaskF =
        config.variant() == FlagDitConfig.Variant.AUDIO
            ? m.ones(capMask.getShape())
            : capMask.toType(DataType.FLOAT32, false);
    return new Arranged(x, xMask, capMaskF, maxN, counts, embedded);
  }

  /** {@code n} pad tokens {@code [n, dim]} in {@code m}: the learned pad token, or zeros. */
  static NDArray padding(Weights weights, NDManager m, long n, int dim) {
    NDArray pads = m.zeros(new Shape(n, dim));
    return weights.has("pad_token") ? pads.add(weights.local(pads, "pad_token")) : pads;
  }

  /**
   * One latent per row from the final layer's tokens {@code fin [B, ≥maxN, p·p·Cout]}: the first
   * {@code keep} channels, converted to a velocity when the model predicts data.
   */
  List<NDArray> finish(
      NDArray fin,
      FlagDitConfig config,
      boolean predictsData,
      List<NDArray> latents,
      List<TokenLayout> layouts,
      NDArray t,
      int keep) {
    int p = config.patchSize();
    List<NDArray> out = new ArrayList<>();
    for (int i = 0; i < layouts.size(); i++) {
      TokenLayout l = layouts.get(i);
      NDArray tokens = fin.get(new NDIndex("{}, :{}", i, counts[i]));
      NDArray full = l.unpatchify(tokens, p, config.outChannels());
      if (keep < config.outChannels()) {
        full =
            l.framed() ? full.get(new NDIndex(":, :{}", keep)) : full.get(new NDIndex(":{}", keep));
      }
      if (predictsData) {
        // v = (x1̂ − x_t) / (1 − t), the flow's velocity given the predicted endpoint.
        NDArray oneMinusT = t.get(i).neg().add(1f).maximum(0.05f);
        full = full.sub(latents.get(i)).div(oneMinusT);
      }
      out.add(full);
    }
    return out;
  }
}

package dev.lumina.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.lumina.engine.attention.AttentionKernel;
import java.util.List;
import java.util.Map;

/**
 * The Flag-DiT trunk one engine op at a time (flag-dit-spec §2.3–§6): the reference implementation,
 * the fallback of {@link CompiledTrunk}, and the only path for traced ({@code dbg.*}) and
 * differentiable forwards. Stateless; thread-safe.
 */
final class EagerTrunk {

  private EagerTrunk() {}

  /** Embedders, blocks and the final layer on the arranged tokens {@code x [B, N, D]}. */
  static NDArray run(
      Weights weights,
      FlagDitConfig config,
      AttentionKernel kernel,
      NDArray x,
      NDArray t,
      NDArray capFeats,
      NDArray capMaskF,
      NDArray xMask,
      long maxN,
      List<TokenLayout> layouts,
      NDArray embedded,
      ForwardOptions o,
      Map<String, NDArray> trace) {
    NDManager m = x.getManager();
    int b = layouts.size();
    int p = config.patchSize();
    NDArray tEmb = Embedders.timestep(weights, config, t);
    NDArray capEmb = Embedders.caption(weights, capFeats, capMaskF);
    NDArray adaln = tEmb.add(capEmb);
    NDArray condSilu = Weights.silu(adaln);
    Rope rope =
        Rope.table(
            m, maxN, config.headDim(), config.ropeTheta() * o.ntkFactor(), o.ropeScalingFactor());
    if (trace != null) {
      if (layouts.stream().allMatch(l -> l.equals(layouts.get(0)))
          && layouts.get(0).kind() == TokenLayout.Kind.IMAGE) {
        TokenLayout l = layouts.get(0);
        trace.put(
            "dbg.x_embedder_out", embedded.reshape(b, l.height() / p, l.width() / p, config.dim()));
      }
      trace.put("dbg.tokens_in", x);
      trace.put("dbg.t_emb", tEmb);
      trace.put("dbg.cap_emb", capEmb);
      trace.put("dbg.adaln_input", adaln);
      trace.put("dbg.freqs_cis", rope.asPairs());
    }
    FlagDitBlock.Context ctx =
        new FlagDitBlock.Context(
            condSilu,
            xMask,
            rope,
            capFeats,
            capMaskF,
            o.selfAttentionScale(maxN, config.headDim()),
            kernel,
            trace);
    for (int i = 0; i < config.nLayers(); i++) {
      x = FlagDitBlock.forward(weights, config, i, x, ctx);
    }
    NDArray fin = Embedders.finalLayer(weights, x, condSilu);
    if (trace != null) {
      trace.put("dbg.final_layer_out", fin);
    }
    return fin;
  }
}

package dev.lumina.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.parallel.Collective;
import dev.lumina.engine.parallel.ParallelDegrees;
import dev.lumina.engine.parallel.ShardMesh;
import java.util.ArrayList;
import java.util.List;

/**
 * One rank's part of a Flag-DiT forward in a shard group: every rank holds the same model and
 * passes the same inputs, runs its share (CFG half, sequence shard) and returns the whole result,
 * equal to the one-rank forward up to float rounding. Runs per op in fp32 (the compiled trunk is
 * one rank's). Thread-safe as the model is; each rank calls from its own thread.
 */
public final class ShardedFlagDit {

  private final FlagDit model;

  public ShardedFlagDit(FlagDit model) {
    this.model = model;
  }

  public FlagDit model() {
    return model;
  }

  /**
   * {@link FlagDit#forward(List, List, NDArray, NDArray, NDArray, ForwardOptions)} over the ranks
   * of {@code sequence} (Ulysses attention, see {@link UlyssesTrunk}).
   *
   * @throws IllegalArgumentException if the group's size does not divide the heads or kv heads
   * @throws dev.lumina.engine.parallel.CollectiveException if a peer fails or times out
   */
  public List<NDArray> forward(
      Collective sequence,
      List<NDArray> latents,
      List<TokenLayout> layouts,
      NDArray t,
      NDArray capFeats,
      NDArray capMask,
      ForwardOptions o) {
    FlagDitConfig config = model.config();
    new ParallelDegrees(1, sequence.size()).check(config.nHeads(), config.nKvHeads());
    model.checkFullWeights();
    NDManager parent = latents.get(0).getManager();
    try (NDManager scope = parent.newSubManager()) {
      List<NDArray> all = new ArrayList<>(latents);
      all.add(t);
      all.add(capFeats);
      all.add(capMask);
      FlagDit.tempAttach(scope, all.toArray(new NDArray[0]));
      Weights w = model.weights();
      Arranged a = Arranged.of(w, config, latents, layouts, t, capFeats, capMask);
      NDArray fin = UlyssesTrunk.run(w, config, model.kernel(), sequence, a, t, capFeats, o);
      List<NDArray> out =
          a.finish(fin, config, model.predictsData(), latents, layouts, t, config.inChannels());
      out.forEach(r -> r.attach(parent));
      return out;
    }
  }

  /**
   * {@link FlagDit#forwardWithCfg} on a mesh: with CFG-parallel the conditional rows run on the
   * ranks of half 0 and the unconditional ones on half 1, each half sequence-parallel over its
   * ranks, and one exchange of the predictions (B/2 latents) gives every rank the guided result.
   * Returns {@code [B, C, h, w]} on every rank.
   */
  public NDArray forwardWithCfg(
      ShardMesh mesh,
      NDArray x,
      NDArray t,
      NDArray capFeats,
      NDArray capMask,
      float cfgScale,
      Guidance guidance,
      ForwardOptions o) {
    long b = x.getShape().get(0);
    if (b % 2 != 0) {
      throw new IllegalArgumentException("forwardWithCfg needs an even batch, got " + b);
    }
    NDManager parent = x.getManager();
    try (NDManager scope = parent.newSubManager()) {
      FlagDit.tempAttach(scope, x, t, capFeats, capMask);
      int n = (int) (b / 2);
      NDArray half = x.get(new NDIndex(":{}", n));
      NDArray out;
      if (mesh.degrees().cfg() == 1) {
        out = images(mesh.sequence(), half.concat(half, 0), t, capFeats, capMask, o);
      } else {
        String rows = mesh.cfg().rank() == 0 ? ":{}" : "{}:";
        NDIndex mine = new NDIndex(rows, n);
        NDArray own =
            images(mesh.sequence(), half, t.get(mine), capFeats.get(mine), capMask.get(mine), o);
        byte[][] both = mesh.cfg().allGather(TensorBytes.of(own));
        Shape s = own.getShape();
        out = TensorBytes.array(scope, both[0], s).concat(TensorBytes.array(scope, both[1], s), 0);
      }
      NDArray result = FlagDit.guide(out, n, cfgScale, guidance);
      result.attach(parent);
      return result;
    }
  }

  /** {@link #forward} for a batch of same-size images {@code [B, C, h, w]}, stacked. */
  private NDArray images(
      Collective sequence,
      NDArray x,
      NDArray t,
      NDArray capFeats,
      NDArray capMask,
      ForwardOptions o) {
    Shape s = x.getShape();
    TokenLayout layout = TokenLayout.image((int) s.get(2), (int) s.get(3));
    List<NDArray> latents = new ArrayList<>();
    List<TokenLayout> layouts = new ArrayList<>();
    for (int i = 0; i < s.get(0); i++) {
      latents.add(x.get(i));
      layouts.add(layout);
    }
    return NDArrays.stack(new NDList(forward(sequence, latents, layouts, t, capFeats, capMask, o)));
  }
}

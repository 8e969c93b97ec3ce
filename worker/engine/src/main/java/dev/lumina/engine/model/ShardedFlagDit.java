package dev.lumina.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.parallel.Collective;
import dev.lumina.engine.parallel.LocalGroup;
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
   * of {@code sequence}, Ulysses only (see {@link SequenceParallelTrunk}).
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
    return rows(sequence, sequence, LocalGroup.single(), latents, layouts, t, capFeats, capMask, o);
  }

  /** Every row over a CFG half's sequence groups: Ulysses inside Ring. */
  private List<NDArray> rows(
      Collective all,
      Collective ulysses,
      Collective ring,
      List<NDArray> latents,
      List<TokenLayout> layouts,
      NDArray t,
      NDArray capFeats,
      NDArray capMask,
      ForwardOptions o) {
    FlagDitConfig config = model.config();
    new ParallelDegrees(1, ulysses.size(), ring.size()).check(config.nHeads(), config.nKvHeads());
    model.checkFullWeights();
    NDManager parent = latents.get(0).getManager();
    try (NDManager scope = parent.newSubManager()) {
      List<NDArray> in = new ArrayList<>(latents);
      in.add(t);
      in.add(capFeats);
      in.add(capMask);
      FlagDit.tempAttach(scope, in.toArray(new NDArray[0]));
      Weights w = model.weights();
      Arranged a = Arranged.of(w, config, latents, layouts, t, capFeats, capMask);
      NDArray fin =
          SequenceParallelTrunk.run(
              w, config, model.kernel(), all, ulysses, ring, a, t, capFeats, o);
      List<NDArray> out =
          a.finish(fin, config, model.predictsData(), latents, layouts, t, config.inChannels());
      out.forEach(r -> r.attach(parent));
      return out;
    }
  }

  /**
   * The forward of one rank of {@code mesh} for the sampler: the batch's rows split between the two
   * CFG halves (the first ⌈R/2⌉ rows on half 0 — for guided jobs the conditional rows, the rest on
   * half 1), each half sequence-parallel over its ranks, then one exchange of the halves'
   * predictions; without CFG-parallel, or for a single row, every row runs on each half's sequence
   * groups. Every rank returns every row.
   */
  public BatchForward on(ShardMesh mesh) {
    return (latents, layouts, t, capFeats, capMask, o) ->
        forward(mesh, latents, layouts, t, capFeats, capMask, o);
  }

  private List<NDArray> forward(
      ShardMesh mesh,
      List<NDArray> latents,
      List<TokenLayout> layouts,
      NDArray t,
      NDArray capFeats,
      NDArray capMask,
      ForwardOptions o) {
    if (mesh.degrees().cfg() == 1) {
      return rows(
          mesh.sequence(), mesh.ulysses(), mesh.ring(), latents, layouts, t, capFeats, capMask, o);
    }
    int rows = latents.size();
    if (rows < 2) {
      // One row (an unguided job): both halves compute it, in lock-step, and nothing is exchanged.
      return rows(
          mesh.sequence(), mesh.ulysses(), mesh.ring(), latents, layouts, t, capFeats, capMask, o);
    }
    int split = (rows + 1) / 2;
    boolean first = mesh.cfg().rank() == 0;
    int from = first ? 0 : split;
    int to = first ? split : rows;
    NDIndex range = new NDIndex("{}:{}", from, to);
    NDManager m = latents.get(0).getManager();
    List<NDArray> own =
        rows(
            mesh.sequence(),
            mesh.ulysses(),
            mesh.ring(),
            latents.subList(from, to),
            layouts.subList(from, to),
            t.get(range),
            capFeats.get(range),
            capMask.get(range),
            o);
    NDList flat = new NDList(own.size());
    own.forEach(a -> flat.add(a.reshape(-1)));
    byte[][] halves = mesh.cfg().allGather(TensorBytes.of(NDArrays.concat(flat, 0)));
    List<NDArray> out = new ArrayList<>(rows);
    int c = model.config().inChannels();
    for (int half = 0; half < 2; half++) {
      int lo = half == 0 ? 0 : split;
      int hi = half == 0 ? split : rows;
      long total = 0;
      for (int i = lo; i < hi; i++) {
        total += layouts.get(i).latentShape(c).size();
      }
      NDArray all = TensorBytes.array(m, halves[half], new Shape(total));
      long off = 0;
      for (int i = lo; i < hi; i++) {
        Shape s = layouts.get(i).latentShape(c);
        out.add(all.get(new NDIndex("{}:{}", off, off + s.size())).reshape(s));
        off += s.size();
      }
    }
    return out;
  }

  /**
   * {@link FlagDit#forwardWithCfg} on a mesh: the conditional rows on CFG half 0, the unconditional
   * ones on half 1 (see {@link #on}). Returns {@code [B, C, h, w]} on every rank.
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
      Shape s = x.getShape();
      TokenLayout layout = TokenLayout.image((int) s.get(2), (int) s.get(3));
      List<NDArray> latents = new ArrayList<>();
      List<TokenLayout> layouts = new ArrayList<>();
      for (int i = 0; i < b; i++) {
        latents.add(x.get(i % n));
        layouts.add(layout);
      }
      NDArray out =
          NDArrays.stack(new NDList(on(mesh).forward(latents, layouts, t, capFeats, capMask, o)));
      NDArray result = FlagDit.guide(out, n, cfgScale, guidance);
      result.attach(parent);
      return result;
    }
  }
}

package dev.lumina.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.model.BatchForward;
import dev.lumina.engine.model.FlagDit;
import dev.lumina.engine.model.FlagDitConfig;
import dev.lumina.engine.model.TokenLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples jobs with a {@link FlagDit}: noise from each job's seed, the flow ODE from t = 0 to 1 on
 * the shifted grid, CFG with the request's guidance rule. Several jobs may share one batch (same
 * solver, steps, shift and options); each job's noise and output are those it would get alone, up
 * to float rounding (dopri5 shares one error norm across the batch). Stateless; thread-safe; call
 * with grad mode off.
 */
public final class FlagDitSampler {

  /** Per-step callback over a batch: one current latent per job. Return false to stop. */
  @FunctionalInterface
  public interface BatchStepCallback {
    boolean onStep(int step, int total, float t, List<NDArray> latents);
  }

  private FlagDitSampler() {}

  /** Samples one job; the latent is created in {@code manager}. */
  public static SampleResult sample(
      FlagDit model, SamplingRequest r, StepCallback callback, NDManager manager) {
    return sampleBatch(
            model,
            List.of(r),
            (step, total, t, latents) -> callback.onStep(step, total, t, latents.get(0)),
            manager)
        .get(0);
  }

  /** Samples jobs together; results in request order, created in {@code manager}. */
  public static List<SampleResult> sampleBatch(
      FlagDit model, List<SamplingRequest> rs, BatchStepCallback callback, NDManager manager) {
    return sample(model::forward, model.config(), rs, callback, manager, null);
  }

  /**
   * {@link #sampleBatch(FlagDit, List, BatchStepCallback, NDManager)} with every model evaluation
   * made by {@code forward} for a model of {@code config} — one rank of a shard group ({@link
   * dev.lumina.engine.model.ShardedFlagDit#on}), whose ranks all sample in lock-step on the same
   * requests and reach the same latents.
   */
  public static List<SampleResult> sampleBatch(
      BatchForward forward,
      FlagDitConfig config,
      List<SamplingRequest> rs,
      BatchStepCallback callback,
      NDManager manager) {
    return sample(forward, config, rs, callback, manager, null);
  }

  /**
   * Continues one job from {@code from} (its latent after {@code from.step()} steps) instead of
   * from its noise; the result equals the uninterrupted run's when that ran alone too (batching
   * pads captions to one length, which may change the float rounding).
   *
   * @throws IllegalArgumentException when the state's size is not the job's latent size, or its
   *     step is not before the last
   */
  public static SampleResult resume(
      FlagDit model,
      SamplingRequest r,
      SamplerState from,
      BatchStepCallback callback,
      NDManager manager) {
    return resume(model::forward, model.config(), r, from, callback, manager);
  }

  /**
   * {@link #resume(FlagDit, SamplingRequest, SamplerState, BatchStepCallback, NDManager)} with
   * every evaluation made by {@code forward} (see {@link #sampleBatch(BatchForward, FlagDitConfig,
   * List, BatchStepCallback, NDManager)}).
   */
  public static SampleResult resume(
      BatchForward forward,
      FlagDitConfig config,
      SamplingRequest r,
      SamplerState from,
      BatchStepCallback callback,
      NDManager manager) {
    return sample(forward, config, List.of(r), callback, manager, from).get(0);
  }

  private static List<SampleResult> sample(
      BatchForward model,
      FlagDitConfig config,
      List<SamplingRequest> rs,
      BatchStepCallback callback,
      NDManager manager,
      SamplerState from) {
    if (rs.isEmpty()) {
      throw new IllegalArgumentException("at least one request is needed");
    }
    SamplingRequest first = rs.get(0);
    for (SamplingRequest r : rs) {
      if (r.solver() != first.solver()
          || r.steps() != first.steps()
          || r.timeShift() != first.timeShift()
          || !r.options().equals(first.options())) {
        throw new IllegalArgumentException(
            "batched requests must share solver, steps, timeShift and options");
      }
    }
    int c = config.inChannels();
    int n = rs.size();
    long[] sizes = new long[n];
    for (int i = 0; i < n; i++) {
      sizes[i] = rs.get(i).layout().latentShape(c).size();
    }
    NDArray x0;
    if (from != null) {
      if (from.latent().length != sizes[0]) {
        throw new IllegalArgumentException(
            "sampler state has " + from.latent().length + " values, the job's latent " + sizes[0]);
      }
      x0 = manager.create(from.latent(), new Shape(sizes[0]));
    } else {
      List<NDArray> noise = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        noise.add(SeededNoise.gaussian(manager, rs.get(i).seed(), new Shape(sizes[i])));
      }
      x0 = NDArrays.concat(new NDList(noise), 0);
      noise.forEach(NDArray::close);
    }
    Captions caps = Captions.of(rs, config.capFeatDim(), manager);
    VelocityField field = (x, t) -> velocity(model, c, rs, sizes, caps, x, t);
    float[] grid = TimeGrid.shifted(first.steps(), first.timeShift());
    OdeResult res;
    try {
      res =
          OdeIntegrator.of(first.solver())
              .integrate(
                  field,
                  x0,
                  grid,
                  from == null ? 0 : from.step(),
                  (step, total, t, cur) -> {
                    List<NDArray> views = split(rs, sizes, c, cur);
                    try {
                      return callback.onStep(step, total, t, views);
                    } finally {
                      views.forEach(NDArray::close);
                    }
                  },
                  false);
    } finally {
      caps.close();
    }
    List<NDArray> parts = split(rs, sizes, c, res.last());
    List<SampleResult> out = new ArrayList<>();
    for (NDArray p : parts) {
      NDArray copy = p.duplicate();
      copy.attach(manager);
      p.close();
      out.add(new SampleResult(copy, res.completed(), res.stepsDone()));
    }
    if (res.last() != x0) {
      res.last().close();
    }
    x0.close();
    return out;
  }

  private static List<NDArray> split(List<SamplingRequest> rs, long[] sizes, int c, NDArray flat) {
    List<NDArray> out = new ArrayList<>();
    long off = 0;
    for (int i = 0; i < rs.size(); i++) {
      NDArray slice = flat.get(new NDIndex("{}:{}", off, off + sizes[i]));
      out.add(slice.reshape(rs.get(i).layout().latentShape(c)));
      slice.close();
      off += sizes[i];
    }
    return out;
  }

  private static NDArray velocity(
      BatchForward model,
      int c,
      List<SamplingRequest> rs,
      long[] sizes,
      Captions caps,
      NDArray x,
      float t) {
    List<NDArray> jobs = split(rs, sizes, c, x);
    List<NDArray> latents = new ArrayList<>(jobs);
    List<TokenLayout> layouts = new ArrayList<>();
    rs.forEach(r -> layouts.add(r.layout()));
    for (int i = 0; i < rs.size(); i++) {
      if (rs.get(i).guided()) {
        latents.add(jobs.get(i));
        layouts.add(rs.get(i).layout());
      }
    }
    NDManager m = x.getManager();
    NDArray tv = m.full(new Shape(latents.size()), t);
    NDArray feats = caps.feats().toDevice(x.getDevice(), false);
    List<NDArray> out =
        model.forward(latents, layouts, tv, feats, caps.mask(), rs.get(0).options());
    List<NDArray> flat = new ArrayList<>();
    int u = rs.size();
    for (int i = 0; i < rs.size(); i++) {
      SamplingRequest r = rs.get(i);
      NDArray v = out.get(i);
      if (r.guided()) {
        v = guide(v, out.get(u++), r, c);
      }
      flat.add(v.reshape(-1));
    }
    return NDArrays.concat(new NDList(flat), 0);
  }

  static NDArray guide(NDArray cond, NDArray uncond, SamplingRequest r, int c) {
    int ch = r.guidance().guidedChannels(c);
    String lead = r.layout().channelAxis() == 1 ? ":, " : "";
    NDArray cg = cond.get(new NDIndex(lead + ":{}", ch));
    NDArray ug = uncond.get(new NDIndex(lead + ":{}", ch));
    NDArray g = ug.add(cg.sub(ug).mul(r.cfgScale()));
    if (ch == c) {
      return g;
    }
    return g.concat(cond.get(new NDIndex(lead + "{}:", ch)), r.layout().channelAxis());
  }

  /** Caption batch: cond rows for every job, then uncond rows for guided jobs, padded to one L. */
  record Captions(NDArray feats, NDArray mask) implements AutoCloseable {

    static Captions of(List<SamplingRequest> rs, int cy, NDManager m) {
      List<NDArray[]> rows = new ArrayList<>();
      for (SamplingRequest r : rs) {
        rows.add(new NDArray[] {r.condFeats(), r.condMask()});
      }
      for (SamplingRequest r : rs) {
        if (r.guided()) {
          rows.add(new NDArray[] {r.uncondFeats(), r.uncondMask()});
        }
      }
      long l = 1;
      for (NDArray[] row : rows) {
        if (row[0].getShape().get(1) != cy) {
          throw new IllegalArgumentException(
              "caption features must have width " + cy + ", got " + row[0].getShape());
        }
        l = Math.max(l, row[0].getShape().get(0));
      }
      float[] feats = new float[(int) (rows.size() * l * cy)];
      float[] mask = new float[(int) (rows.size() * l)];
      for (int i = 0; i < rows.size(); i++) {
        float[] f = rows.get(i)[0].toType(DataType.FLOAT32, false).toFloatArray();
        int len = f.length / cy;
        System.arraycopy(f, 0, feats, (int) (i * l * cy), f.length);
        float[] mk =
            rows.get(i)[1] == null
                ? null
                : rows.get(i)[1].toType(DataType.FLOAT32, false).toFloatArray();
        if (mk != null && mk.length != len) {
          throw new IllegalArgumentException(
              "caption mask length " + mk.length + " must equal L = " + len);
        }
        boolean any = false;
        for (int j = 0; j < len; j++) {
          mask[(int) (i * l + j)] = mk == null ? 1f : (mk[j] != 0 ? 1f : 0f);
          any |= mask[(int) (i * l + j)] != 0;
        }
        if (!any) {
          throw new IllegalArgumentException("a caption mask must mark at least one valid token");
        }
      }
      return new Captions(
          m.create(feats, new Shape(rows.size(), l, cy)),
          m.create(mask, new Shape(rows.size(), l)));
    }

    @Override
    public void close() {
      feats.close();
      mask.close();
    }
  }
}

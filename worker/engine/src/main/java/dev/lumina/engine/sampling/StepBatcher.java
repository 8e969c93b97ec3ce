package dev.lumina.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.model.BatchForward;
import dev.lumina.engine.model.FlagDitConfig;
import dev.lumina.engine.model.TokenLayout;
import dev.lumina.engine.pytorch.PyTorch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step-level continuous batching: jobs at different steps, with their own solver, step count, time
 * shift, guidance scale and caption, share each Flag-DiT forward. Every running job always has one
 * model evaluation pending (its solver's next stage); each turn the batcher takes the pending
 * evaluations of the longest-waiting job's kind (same token layout and forward options, so no row
 * is padded) up to {@code batchTokens} tokens, runs one forward over their rows (conditional and,
 * when guided, unconditional), and hands each job its guided velocity. Jobs join between forwards
 * and leave as they finish or are cancelled (a cancelled job is dropped before the next forward).
 *
 * <p>A job's result does not depend on what it ran with: captions are padded to one length for
 * every job ({@code captionTokens}), rows of one forward have the same token layout, and each job's
 * solver arithmetic is its own. Fixed-step solvers only (Euler, midpoint, RK4): dopri5's adaptive
 * steps are run alone by the caller.
 *
 * <p>Thread-safe: {@link #submit} from any thread; forwards and callbacks run on the batcher's own
 * thread.
 */
public final class StepBatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StepBatcher.class);

  /** A finished job: its latent (flat), whether it ran to the end, and the steps it made. */
  public record Result(float[] latent, boolean completed, int stepsDone) {}

  private final BatchForward forward;
  private final int channels;
  private final int patch;
  private final int captionWidth;
  private final int captionTokens;
  private final long batchTokens;
  private final NDManager root;
  private final LinkedBlockingQueue<Stepper> arrivals = new LinkedBlockingQueue<>();
  private final List<Stepper> active = new ArrayList<>();
  private final Thread thread;
  private final AtomicLong forwards = new AtomicLong();
  private final AtomicLong rows = new AtomicLong();
  private volatile boolean closed;

  /**
   * Starts the batcher's thread.
   *
   * @param forward the model's batched forward
   * @param config the model's configuration
   * @param captionTokens the length every caption is padded to (the text encoder's maximum)
   * @param batchTokens most image tokens (rows × tokens per row) in one forward; a job larger than
   *     this still runs, alone
   * @param parent the manager the batcher's arrays are made under (closed by the caller after
   *     {@link #close})
   */
  public StepBatcher(
      BatchForward forward,
      FlagDitConfig config,
      int captionTokens,
      long batchTokens,
      NDManager parent) {
    if (captionTokens < 1) {
      throw new IllegalArgumentException("captionTokens must be >= 1, got " + captionTokens);
    }
    if (batchTokens < 1) {
      throw new IllegalArgumentException("batchTokens must be >= 1, got " + batchTokens);
    }
    this.forward = forward;
    this.channels = config.inChannels();
    this.patch = config.patchSize();
    this.captionWidth = config.capFeatDim();
    this.captionTokens = captionTokens;
    this.batchTokens = batchTokens;
    this.root = parent.newSubManager();
    this.thread = new Thread(this::loop, "lumina-step-batcher");
    thread.setDaemon(true);
    thread.start();
  }

  /** Whether {@code solver} can run here. */
  public static boolean supports(Solver solver) {
    return solver != Solver.DOPRI5;
  }

  /**
   * Adds a job; it joins at the next forward. {@code callback} is told after each of its steps (on
   * the batcher's thread, with its current latent, valid during the call); returning false ends the
   * job there. {@code cancelled} is checked before every forward: once true, the job leaves and its
   * result says not completed.
   *
   * @param from the state to continue from (null: the seed's noise)
   * @throws IllegalArgumentException if the solver is dopri5 or a caption is longer than {@code
   *     captionTokens}
   */
  public CompletableFuture<Result> submit(
      SamplingRequest r, SamplerState from, StepCallback callback, BooleanSupplier cancelled) {
    if (!supports(r.solver())) {
      throw new IllegalArgumentException("step batching runs fixed-step solvers, not dopri5");
    }
    checkCaption(r.condFeats());
    if (r.guided()) {
      checkCaption(r.uncondFeats());
    }
    Stepper s = new Stepper(r, from, callback, cancelled);
    if (closed) {
      s.result.completeExceptionally(new IllegalStateException("the step batcher is closed"));
      return s.result;
    }
    arrivals.add(s);
    return s.result;
  }

  private void checkCaption(NDArray feats) {
    if (feats.getShape().get(0) > captionTokens) {
      throw new IllegalArgumentException(
          "caption of " + feats.getShape().get(0) + " tokens, more than " + captionTokens);
    }
    if (feats.getShape().get(1) != captionWidth) {
      throw new IllegalArgumentException(
          "caption features must have width " + captionWidth + ", got " + feats.getShape());
    }
  }

  /** Forwards run so far. */
  public long forwards() {
    return forwards.get();
  }

  /** Rows those forwards held, in all. */
  public long rows() {
    return rows.get();
  }

  private void loop() {
    PyTorch.setGradMode(false);
    while (!closed) {
      try {
        if (active.isEmpty()) {
          Stepper s = arrivals.poll(200, TimeUnit.MILLISECONDS);
          if (s != null) {
            admit(s);
          }
        }
        for (Stepper s; (s = arrivals.poll()) != null; ) {
          admit(s);
        }
        for (int i = active.size() - 1; i >= 0; i--) {
          Stepper s = active.get(i);
          if (s.cancelled.getAsBoolean()) {
            active.remove(i);
            s.finish(false);
          }
        }
        if (!active.isEmpty()) {
          turn();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (RuntimeException | Error e) {
        LOG.error("step batcher turn failed", e);
      }
    }
    for (Stepper s : active) {
      s.fail(new IllegalStateException("the step batcher closed"));
    }
    active.clear();
    for (Stepper s; (s = arrivals.poll()) != null; ) {
      s.result.completeExceptionally(new IllegalStateException("the step batcher closed"));
    }
  }

  private void admit(Stepper s) {
    try {
      s.start();
      active.add(s);
    } catch (RuntimeException e) {
      s.fail(e);
    }
  }

  /** One forward over the pending evaluations of the longest-waiting job's kind. */
  private void turn() {
    Stepper first = active.get(0);
    List<Stepper> chosen = new ArrayList<>();
    long tokens = 0;
    for (Stepper s : active) {
      if (!s.kind().equals(first.kind())) {
        continue;
      }
      long t = s.rows() * s.tokens;
      if (!chosen.isEmpty() && tokens + t > batchTokens) {
        break;
      }
      chosen.add(s);
      tokens += t;
    }
    List<NDArray> velocities;
    try (NDManager m = root.newSubManager()) {
      List<NDArray> latents = new ArrayList<>();
      List<TokenLayout> layouts = new ArrayList<>();
      List<NDArray> feats = new ArrayList<>();
      List<NDArray> masks = new ArrayList<>();
      List<Float> times = new ArrayList<>();
      for (Stepper s : chosen) {
        s.x.tempAttach(m);
        latents.add(s.x);
        layouts.add(s.r.layout());
        feats.add(s.condFeats);
        masks.add(s.condMask);
        times.add(s.tEval);
      }
      for (Stepper s : chosen) {
        if (s.r.guided()) {
          latents.add(s.x);
          layouts.add(s.r.layout());
          feats.add(s.uncondFeats);
          masks.add(s.uncondMask);
          times.add(s.tEval);
        }
      }
      // The matmul kernels round the rows of a matrix with fewer than 12 rows, not a multiple of
      // 4, differently: tiny forwards get copies of their last row (outputs dropped).
      long perRow = first.tokens;
      while (latents.size() * perRow < 12 && (latents.size() * perRow) % 4 != 0) {
        int last = latents.size() - 1;
        latents.add(latents.get(last));
        layouts.add(layouts.get(last));
        feats.add(feats.get(last));
        masks.add(masks.get(last));
        times.add(times.get(last));
      }
      float[] t = new float[times.size()];
      for (int i = 0; i < t.length; i++) {
        t[i] = times.get(i);
      }
      NDArray feat = NDArrays.concat(new NDList(feats), 0);
      NDArray mask = NDArrays.concat(new NDList(masks), 0);
      List<NDArray> out =
          forward.forward(latents, layouts, m.create(t), feat, mask, first.r.options());
      forwards.incrementAndGet();
      rows.addAndGet(latents.size());
      velocities = new ArrayList<>();
      int u = chosen.size();
      for (int i = 0; i < chosen.size(); i++) {
        Stepper s = chosen.get(i);
        NDArray v = out.get(i);
        if (s.r.guided()) {
          v = FlagDitSampler.guide(v, out.get(u++), s.r, channels);
        }
        v.attach(s.stepScope);
        velocities.add(v);
      }
    } catch (RuntimeException | Error e) {
      for (Stepper s : chosen) {
        active.remove(s);
        s.fail(e);
      }
      return;
    }
    for (int i = 0; i < chosen.size(); i++) {
      Stepper s = chosen.get(i);
      boolean more;
      try {
        more = s.accept(velocities.get(i));
      } catch (RuntimeException | Error e) {
        active.remove(s);
        s.fail(e);
        continue;
      }
      if (!more) {
        active.remove(s);
        s.finish(s.k == s.total());
      }
    }
    // Round robin: the jobs just served wait behind the others of their kind.
    if (chosen.size() < active.size()) {
      active.removeAll(chosen);
      for (Stepper s : chosen) {
        if (!s.result.isDone()) {
          active.add(s);
        }
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    root.close();
  }

  /** One job's solver, stage by stage. Used on the batcher's thread only (after submit). */
  private final class Stepper {
    final SamplingRequest r;
    final SamplerState from;
    final StepCallback callback;
    final BooleanSupplier cancelled;
    final CompletableFuture<Result> result = new CompletableFuture<>();
    final long tokens;
    final float[] grid;
    NDManager mine;
    NDManager stepScope;
    NDArray y;
    NDArray condFeats;
    NDArray condMask;
    NDArray uncondFeats;
    NDArray uncondMask;
    final NDArray[] ks = new NDArray[3];
    NDArray x;
    float tEval;
    int k;
    int stage;

    Stepper(
        SamplingRequest r, SamplerState from, StepCallback callback, BooleanSupplier cancelled) {
      this.r = r;
      this.from = from;
      this.callback = callback;
      this.cancelled = cancelled;
      this.tokens = r.layout().tokenCount(patch);
      this.grid = TimeGrid.shifted(r.steps(), r.timeShift());
    }

    int total() {
      return grid.length - 1;
    }

    long rows() {
      return r.guided() ? 2 : 1;
    }

    Object kind() {
      return List.of(r.layout(), r.options());
    }

    void start() {
      mine = root.newSubManager();
      Shape shape = r.layout().latentShape(channels);
      long size = shape.size();
      if (from != null) {
        if (from.latent().length != size) {
          throw new IllegalArgumentException(
              "sampler state has " + from.latent().length + " values, the job's latent " + size);
        }
        if (from.step() < 0 || from.step() >= total()) {
          throw new IllegalArgumentException(
              "sampler state step must be in 0.." + (total() - 1) + ", got " + from.step());
        }
        y = mine.create(from.latent(), shape);
        k = from.step();
      } else {
        NDArray noise = SeededNoise.gaussian(mine, r.seed(), new Shape(size));
        y = noise.reshape(shape);
        noise.close();
      }
      NDArray[] cond = padded(r.condFeats(), r.condMask());
      condFeats = cond[0];
      condMask = cond[1];
      if (r.guided()) {
        NDArray[] uncond = padded(r.uncondFeats(), r.uncondMask());
        uncondFeats = uncond[0];
        uncondMask = uncond[1];
      }
      begin();
    }

    /** {@code feats [L, Cy]} and its mask as {@code [1, captionTokens, Cy]} and {@code [1, L']}. */
    private NDArray[] padded(NDArray feats, NDArray maskOrNull) {
      float[] f = feats.toType(DataType.FLOAT32, false).toFloatArray();
      int len = f.length / captionWidth;
      float[] mk =
          maskOrNull == null ? null : maskOrNull.toType(DataType.FLOAT32, false).toFloatArray();
      if (mk != null && mk.length != len) {
        throw new IllegalArgumentException(
            "caption mask length " + mk.length + " must equal L = " + len);
      }
      float[] pf = new float[captionTokens * captionWidth];
      System.arraycopy(f, 0, pf, 0, f.length);
      float[] pm = new float[captionTokens];
      boolean any = false;
      for (int j = 0; j < len; j++) {
        pm[j] = mk == null || mk[j] != 0 ? 1f : 0f;
        any |= pm[j] != 0;
      }
      if (!any) {
        throw new IllegalArgumentException("a caption mask must mark at least one valid token");
      }
      return new NDArray[] {
        mine.create(pf, new Shape(1, captionTokens, captionWidth)),
        mine.create(pm, new Shape(1, captionTokens))
      };
    }

    /** Opens step {@code k}: its first evaluation is at (y, grid[k]). */
    private void begin() {
      stepScope = mine.newSubManager();
      y.tempAttach(stepScope);
      stage = 0;
      x = y;
      tEval = grid[k];
    }

    /**
     * Takes the velocity of the pending evaluation; false once the job has ended (its last step
     * done, or its callback said stop).
     */
    boolean accept(NDArray v) {
      float t0 = grid[k];
      float t1 = grid[k + 1];
      float dt = t1 - t0;
      NDArray next = null;
      switch (r.solver()) {
        case EULER -> next = y.add(v.mul(dt));
        case MIDPOINT -> {
          if (stage == 0) {
            float half = 0.5f * dt;
            x = y.add(v.mul(half));
            tEval = t0 + half;
          } else {
            next = y.add(v.mul(dt));
          }
        }
        case RK4 -> {
          float third = 1f / 3f;
          switch (stage) {
            case 0 -> {
              ks[0] = v;
              x = y.add(v.mul(dt * third));
              tEval = t0 + dt * third;
            }
            case 1 -> {
              ks[1] = v;
              x = y.add(v.sub(ks[0].mul(third)).mul(dt));
              tEval = t0 + dt * (2f / 3f);
            }
            case 2 -> {
              ks[2] = v;
              x = y.add(ks[0].sub(ks[1]).add(v).mul(dt));
              tEval = t1;
            }
            default -> next = y.add(ks[0].add(ks[1].add(ks[2]).mul(3f)).add(v).mul(dt * 0.125f));
          }
        }
        default -> throw new IllegalStateException(r.solver().name());
      }
      if (next == null) {
        stage++;
        return true;
      }
      next.attach(mine);
      NDArray previous = y;
      stepScope.close();
      previous.close();
      y = next;
      k++;
      boolean go = callback.onStep(k, total(), grid[k], y);
      if (!go || k == total()) {
        stepScope = null;
        return false;
      }
      begin();
      return true;
    }

    void finish(boolean completed) {
      try {
        result.complete(new Result(y.toFloatArray(), completed, k));
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      } finally {
        mine.close();
      }
    }

    void fail(Throwable e) {
      result.completeExceptionally(e);
      if (mine != null) {
        mine.close();
      }
    }
  }
}

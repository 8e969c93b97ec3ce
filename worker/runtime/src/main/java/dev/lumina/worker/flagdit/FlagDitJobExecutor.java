package dev.lumina.worker.flagdit;

import com.google.protobuf.ByteString;
import dev.lumina.artifacts.ArtifactStore;
import dev.lumina.artifacts.ArtifactStoreException;
import dev.lumina.artifacts.ArtifactStoreUnavailableException;
import dev.lumina.engine.Generated;
import dev.lumina.engine.Generation;
import dev.lumina.engine.Generator;
import dev.lumina.engine.ModelLayout;
import dev.lumina.engine.ShardGroup;
import dev.lumina.engine.StepListener;
import dev.lumina.engine.media.LatentPreview;
import dev.lumina.engine.media.LatentRgbProjection;
import dev.lumina.engine.media.PngEncoder;
import dev.lumina.engine.media.RgbImage;
import dev.lumina.engine.model.TokenLayout;
import dev.lumina.engine.parallel.CollectiveException;
import dev.lumina.engine.parallel.ShardPeers;
import dev.lumina.engine.sampling.Solver;
import dev.lumina.proto.RequestDefaults;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.ModelCard;
import dev.lumina.proto.v1.ModelInfo;
import dev.lumina.proto.v1.Preview;
import dev.lumina.proto.v1.Progress;
import dev.lumina.worker.BatchJob;
import dev.lumina.worker.CancelToken;
import dev.lumina.worker.ChunkEmitter;
import dev.lumina.worker.JobCancelledException;
import dev.lumina.worker.JobExecutor;
import dev.lumina.worker.JobFailedException;
import dev.lumina.worker.JobOutcome;
import dev.lumina.worker.JobResult;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The real {@link JobExecutor}: Flag-DiT through the engine's {@link Generator}. Per job: resolve
 * the request against the model card ({@link JobPlan}), sample with the requested solver over the
 * shifted time grid (classifier-free guidance when {@code cfg_scale != 1}), stream progress after
 * every step and a latent preview every {@code preview_every} steps, stop at the next step when
 * cancelled, then decode and store the outputs ({@link OutputWriter}).
 *
 * <p>Decoding: latent models (the release layout) are decoded by their VAE inside the engine;
 * pixel-space models (3 latent channels, downsample 1) are their own decoder, values in [-1, 1];
 * single-channel audio models emit waveform samples at {@code audio_frames_per_second}. A latent
 * model without a decoder fails its jobs with FAILED_PRECONDITION rather than deliver an
 * approximation.
 *
 * <p>Thread-safety: {@link #run} may be called from several threads; the runtime calls it from one
 * job thread. {@link #close} must not race with {@link #run}.
 */
public final class FlagDitJobExecutor implements JobExecutor {
  private static final int PREVIEW_MAX_SIDE = LatentPreview.DEFAULT_MAX_SIDE;
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(FlagDitJobExecutor.class);

  private final Generator generator;
  private final ModelCard card;
  private final ArtifactStore store;
  private final Clock clock;
  private final Checkpoints checkpoints;
  private volatile Consumer<CollectiveException> groupLost = e -> {};
  private volatile int concurrentJobs = 1;
  private volatile long batchTokens;

  /** Wraps a loaded generator; closing this executor closes it. No checkpoints. */
  public FlagDitJobExecutor(Generator generator, ModelCard card, ArtifactStore store, Clock clock) {
    this(generator, card, store, clock, Checkpoints.Policy.NEVER);
  }

  /**
   * Wraps a loaded generator, writing each job's sampler state to {@code store} as {@code
   * checkpoints} says, and continuing a job from its checkpoint when one exists.
   */
  public FlagDitJobExecutor(
      Generator generator,
      ModelCard card,
      ArtifactStore store,
      Clock clock,
      Checkpoints.Policy checkpoints) {
    this.generator = generator;
    this.card = card;
    this.store = store;
    this.clock = clock;
    this.checkpoints = new Checkpoints(store, checkpoints, clock);
  }

  /**
   * Loads the model directory: {@code model.safetensors} (or tensor-parallel shards), the text
   * encoder files and the optional {@value ModelCards#FILE}; or the release layout of a latent
   * model ({@link ModelLayout}).
   *
   * @throws IOException when a file is missing or unreadable
   * @throws IllegalArgumentException when a file is malformed (the message names it)
   */
  public static FlagDitJobExecutor load(Path modelDir, ArtifactStore store, String announcedBy)
      throws IOException {
    return load(ModelLayout.of(modelDir), store, announcedBy);
  }

  /**
   * Loads the model whose parts {@code layout} names; its card ({@value ModelCards#FILE}) is read
   * from the layout's root folder.
   *
   * @throws IOException when a file is missing or unreadable
   * @throws IllegalArgumentException when a file is malformed (the message names it)
   */
  public static FlagDitJobExecutor load(ModelLayout layout, ArtifactStore store, String announcedBy)
      throws IOException {
    return load(layout, store, announcedBy, Checkpoints.Policy.NEVER);
  }

  /**
   * {@link #load(ModelLayout, ArtifactStore, String)}, checkpointing jobs as {@code policy} says.
   */
  public static FlagDitJobExecutor load(
      ModelLayout layout, ArtifactStore store, String announcedBy, Checkpoints.Policy policy)
      throws IOException {
    Generator generator = Generator.load(layout);
    try {
      ModelCard card =
          ModelCards.forModel(
              layout.root(), generator.describe(), announcedBy, System.currentTimeMillis());
      card =
          card.toBuilder()
              .setInfo(
                  card.getInfo().toBuilder()
                      .setEngine(generator.engine().flag())
                      .setDtype(generator.precision().flag())
                      .setWeightBytes(Math.max(0, generator.weightBytes())))
              .build();
      return new FlagDitJobExecutor(generator, card, store, Clock.systemUTC(), policy);
    } catch (IOException | RuntimeException e) {
      generator.close();
      throw e;
    }
  }

  @Override
  public Optional<ModelCard> modelCard() {
    return Optional.of(card);
  }

  /**
   * Jobs batch when they share token layout, solver, steps, time shift and extrapolation options.
   */
  @Override
  public Optional<Object> batchKey(JobEnvelope job) {
    try {
      return Optional.of(JobPlan.resolve(job, card, generator.config()).generation().batchKey());
    } catch (JobFailedException | RuntimeException e) {
      return Optional.empty();
    }
  }

  @Override
  public JobResult run(JobEnvelope job, ChunkEmitter emitter, CancelToken cancel)
      throws JobFailedException, JobCancelledException {
    JobOutcome o = runBatch(List.of(new BatchJob(job, emitter, cancel))).get(0);
    if (o.cancelled()) {
      throw new JobCancelledException();
    }
    if (o.failure() != null) {
      throw o.failure();
    }
    return o.result();
  }

  /**
   * Samples the jobs as one batch; each keeps its own noise, captions and guidance. Progress and
   * previews go to each job's emitter after every step; a cancelled job stops streaming at once and
   * ends CANCELLED, and sampling stops at the next step once every job of the batch is cancelled.
   */
  @Override
  public List<JobOutcome> runBatch(List<BatchJob> jobs) {
    JobOutcome[] outcomes = new JobOutcome[jobs.size()];
    List<Integer> live = new ArrayList<>();
    List<JobPlan> plans = new ArrayList<>();
    // Planned jobs in `live` order; both shrink together below.
    for (int i = 0; i < jobs.size(); i++) {
      try {
        plans.add(JobPlan.resolve(jobs.get(i).job(), card, generator.config()));
        live.add(i);
      } catch (JobFailedException e) {
        outcomes[i] = JobOutcome.failed(e);
      }
    }
    if (live.isEmpty()) {
      return List.of(outcomes);
    }
    if (checkpoints.enabled()) {
      // A job with a checkpoint continues alone from it; the rest sample together from noise.
      int c = generator.config().inChannels();
      for (int k = live.size() - 1; k >= 0; k--) {
        BatchJob b = jobs.get(live.get(k));
        JobPlan plan = plans.get(k);
        Optional<Checkpoints.Resumed> from = checkpoints.load(b.job(), plan.layout().latentSize(c));
        if (from.isPresent()) {
          LOG.info(
              "job {}: continuing from its checkpoint after step {} ({} chunks sent before)",
              b.job().getJobId(),
              from.get().state().step(),
              from.get().chunks().size());
          b.emitter().resumeAfter(from.get().chunks());
          sample(jobs, List.of(live.get(k)), List.of(plan), from.get(), outcomes);
          live.remove(k);
          plans.remove(k);
        }
      }
    }
    if (!live.isEmpty()) {
      sample(jobs, live, plans, null, outcomes);
    }
    return List.of(outcomes);
  }

  /**
   * Samples {@code jobs[live]} as one batch (from {@code from} when given: then one job), decodes
   * and stores each, and sets their outcomes.
   */
  private void sample(
      List<BatchJob> jobs,
      List<Integer> live,
      List<JobPlan> plans,
      Checkpoints.Resumed from,
      JobOutcome[] outcomes) {
    long started = clock.millis();
    List<Generation> generations = plans.stream().map(JobPlan::generation).toList();
    List<Checkpoints.Writer> writers = new ArrayList<>();
    for (int i : live) {
      writers.add(checkpoints.writer(jobs.get(i).job()));
    }
    StepListener listener =
        (step, total, t, state) -> {
          boolean anyLive = false;
          for (int k = 0; k < live.size(); k++) {
            BatchJob b = jobs.get(live.get(k));
            if (b.cancel().isCancelled()) {
              continue;
            }
            anyLive = true;
            long elapsed = clock.millis() - started;
            b.emitter()
                .progress(
                    Progress.newBuilder()
                        .setStep(step)
                        .setTotal(total)
                        .setT(t)
                        .setEtaMs(elapsed * (total - step) / Math.max(1, step))
                        .build());
            JobPlan plan = plans.get(k);
            int index = k;
            if (plan.previewEvery() > 0 && step % plan.previewEvery() == 0 && step < total) {
              preview(plan, step, () -> state.frame(index, 0)).ifPresent(b.emitter()::preview);
            }
            writers.get(k).maybeWrite(step, total, () -> state.latent(index), b.emitter()::emitted);
          }
          // Checked after every step: sampling stops before the next step once all are cancelled.
          return anyLive;
        };
    List<Generated> results;
    try {
      if (from != null) {
        results = List.of(generator.resume(generations.get(0), from.state(), listener));
      } else if (generations.size() == 1) {
        // Alone, or sharing forwards with the jobs running beside it (step batching).
        CancelToken cancel = jobs.get(live.get(0)).cancel();
        results = List.of(generator.generate(generations.get(0), listener, cancel::isCancelled));
      } else {
        results = generator.generate(generations, listener);
      }
    } catch (CollectiveException e) {
      // The group is broken: the jobs must not end here, they run again once it re-forms.
      groupLost.accept(e);
      throw e;
    }
    for (int k = 0; k < live.size(); k++) {
      BatchJob b = jobs.get(live.get(k));
      if (b.cancel().isCancelled() || !results.get(k).completed()) {
        outcomes[live.get(k)] = JobOutcome.ofCancelled();
        continue;
      }
      long decodeStart = clock.millis();
      try {
        OutputWriter out =
            new OutputWriter(
                b.job().getJobId(),
                plans.get(k).modality(),
                RequestDefaults.output(b.job().getRequest().getOutput(), plans.get(k).modality())
                    .getTileSize(),
                store,
                b.emitter());
        decode(plans.get(k), results.get(k), out);
        Generated.Timings t = results.get(k).timings();
        outcomes[live.get(k)] =
            JobOutcome.succeeded(
                new JobResult(
                    out.artifacts(),
                    plans.get(k).seed(),
                    t.textMs() + t.sampleMs(),
                    t.decodeMs() + clock.millis() - decodeStart,
                    results.get(k).stepsDone(),
                    t.textMs()));
      } catch (JobFailedException e) {
        outcomes[live.get(k)] = JobOutcome.failed(e);
      } catch (ArtifactStoreUnavailableException e) {
        outcomes[live.get(k)] =
            JobOutcome.failed(
                new JobFailedException(
                    Status.Code.UNAVAILABLE, "cannot store output: " + e.getMessage(), false, e));
      } catch (ArtifactStoreException e) {
        outcomes[live.get(k)] =
            JobOutcome.failed(
                new JobFailedException(
                    Status.Code.INTERNAL, "cannot store output: " + e.getMessage(), false, e));
      }
    }
    if (checkpoints.enabled()) {
      for (int i : live) {
        // Ended one way or another: a later attempt must not continue from this state.
        checkpoints.delete(jobs.get(i).job().getJobId());
      }
    }
  }

  /**
   * A latent model's preview is a linear projection of its 4 latent channels to RGB (the SDXL
   * latent space's published factors), one pixel per latent cell: no VAE decode per preview.
   */
  private Optional<Preview> preview(
      JobPlan plan, int step, java.util.function.Supplier<float[]> firstFrame) {
    TokenLayout l = plan.layout();
    if (l.kind() == TokenLayout.Kind.AUDIO) {
      return Optional.empty();
    }
    RgbImage img =
        generator.decodesLatents() && plan.channels() == LatentRgbProjection.SDXL.channels()
            ? LatentRgbProjection.SDXL.preview(
                firstFrame.get(), l.height(), l.width(), PREVIEW_MAX_SIDE)
            : LatentPreview.project(
                firstFrame.get(), plan.channels(), l.height(), l.width(), PREVIEW_MAX_SIDE);
    return Optional.of(
        Preview.newBuilder()
            .setStep(step)
            .setPng(ByteString.copyFrom(PngEncoder.encode(img)))
            .build());
  }

  private void decode(JobPlan plan, Generated sample, OutputWriter out)
      throws JobFailedException, ArtifactStoreException, ArtifactStoreUnavailableException {
    TokenLayout l = plan.layout();
    ModelInfo info = card.getInfo();
    if (l.kind() == TokenLayout.Kind.AUDIO) {
      if (plan.channels() != 1) {
        throw new JobFailedException(
            Status.Code.FAILED_PRECONDITION,
            "model "
                + info.getName()
                + " has "
                + plan.channels()
                + " latent audio channels and no vocoder on this worker",
            true,
            null);
      }
      out.audio(0, sample.frames().get(0), (int) Math.round(card.getAudioFramesPerSecond()));
      return;
    }
    if (generator.decodesLatents()) {
      int f = info.getDownsample();
      for (int i = 0; i < sample.frames().size(); i++) {
        out.picture(
            i, RgbImage.fromSignedChw(sample.frames().get(i), l.height() * f, l.width() * f));
      }
      return;
    }
    if (plan.channels() != 3 || info.getDownsample() != 1) {
      throw new JobFailedException(
          Status.Code.FAILED_PRECONDITION,
          "model "
              + info.getName()
              + " has "
              + plan.channels()
              + "-channel latents (downsample "
              + info.getDownsample()
              + ") and no latent decoder on this worker",
          true,
          null);
    }
    for (int f = 0; f < sample.frames().size(); f++) {
      out.picture(f, RgbImage.fromSignedChw(sample.frames().get(f), l.height(), l.width()));
    }
  }

  @Override
  public long engineBytes() {
    return generator.weightBytes();
  }

  /**
   * Runs every later job across {@code group}'s ranks (see {@link Generator#useShardGroup}); the
   * executor closes it.
   *
   * @throws IllegalArgumentException if the group's degrees do not suit the model
   * @throws IllegalStateException if the model runs in bf16
   */
  public void useShardGroup(ShardGroup group) {
    generator.useShardGroup(group);
  }

  /**
   * Turns step-level continuous batching on: up to {@code maxJobs} jobs run at once, each on its
   * own thread, and share forwards of at most {@code batchTokens} image tokens (rows × tokens); a
   * job is admitted while the running jobs' tokens leave room for it. {@code batchTokens} 0 turns
   * it off (one job, or one batch of equal-shape jobs, at a time). Jobs with the dopri5 solver, and
   * every job of a shard group, run on their own. Not to be called while jobs run.
   *
   * @throws IllegalArgumentException if a value is out of range
   */
  public void useStepBatching(long batchTokens, int maxJobs) {
    if (batchTokens < 0) {
      throw new IllegalArgumentException("batch tokens must be >= 0, got " + batchTokens);
    }
    if (maxJobs < 1) {
      throw new IllegalArgumentException("max jobs must be >= 1, got " + maxJobs);
    }
    generator.useStepBatching(batchTokens);
    this.batchTokens = batchTokens;
    this.concurrentJobs = batchTokens == 0 ? 1 : maxJobs;
  }

  @Override
  public int concurrentJobs() {
    return concurrentJobs;
  }

  @Override
  public long jobCost(JobEnvelope job) {
    try {
      Generation g = JobPlan.resolve(job, card, generator.config()).generation();
      return (g.guided() ? 2 : 1) * g.layout().tokenCount(generator.config().patchSize());
    } catch (JobFailedException | RuntimeException e) {
      return 0;
    }
  }

  @Override
  public long costBudget() {
    return batchTokens;
  }

  /**
   * Checks that the model can run across ranks laid out as {@code degrees}.
   *
   * @throws IllegalArgumentException if the Ulysses degree does not divide the heads
   * @throws IllegalStateException if the model runs in bf16
   */
  public void checkShardable(dev.lumina.engine.parallel.ParallelDegrees degrees) {
    generator.checkShardable(degrees);
  }

  /**
   * Leads a shard group of worker processes: every later job is sent to the followers and sampled
   * across the group ({@link Generator#leadShardPeers}). When the group breaks during a job, {@code
   * groupLost} is told before the job's call fails; it should stop this worker without recording
   * the job (so Kafka redelivers it once the group has formed again).
   *
   * @throws IllegalArgumentException if this rank does not lead or the degrees do not suit the
   *     model
   * @throws IllegalStateException if the model runs in bf16
   */
  public void leadShardPeers(ShardPeers peers, Consumer<CollectiveException> groupLost) {
    generator.leadShardPeers(peers);
    this.groupLost = groupLost;
  }

  /**
   * Runs, as a follower rank, every batch the group's leader sends, until the group breaks.
   *
   * @throws CollectiveException when the group breaks (always, in the end)
   */
  public void follow(ShardPeers peers) {
    generator.follow(peers);
  }

  @Override
  public void close() {
    generator.shardGroup().ifPresent(ShardGroup::close);
    generator.close();
  }

  /**
   * The engine's solver for a request's solver, defaults applied; EULER for a value it does not
   * name.
   */
  static Solver solver(dev.lumina.proto.v1.Solver s) {
    return switch (s) {
      case MIDPOINT -> Solver.MIDPOINT;
      case RK4 -> Solver.RK4;
      case DOPRI5 -> Solver.DOPRI5;
      default -> Solver.EULER;
    };
  }
}

package dev.lumina.worker.runtime.flagdit;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.lumina.proto.TokenBudget;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.ModelCard;
import dev.lumina.proto.v1.ModelInfo;
import dev.lumina.proto.v1.Preview;
import dev.lumina.proto.v1.Progress;
import dev.lumina.worker.artifact.ArtifactStore;
import dev.lumina.worker.artifact.ArtifactStoreException;
import dev.lumina.worker.media.LatentPreview;
import dev.lumina.worker.media.PngEncoder;
import dev.lumina.worker.media.RgbImage;
import dev.lumina.worker.model.FlagDit;
import dev.lumina.worker.model.FlagDitConfig;
import dev.lumina.worker.model.TokenLayout;
import dev.lumina.worker.model.attention.AttentionKernels;
import dev.lumina.worker.runtime.BatchJob;
import dev.lumina.worker.runtime.CancelToken;
import dev.lumina.worker.runtime.ChunkEmitter;
import dev.lumina.worker.runtime.JobCancelledException;
import dev.lumina.worker.runtime.JobExecutor;
import dev.lumina.worker.runtime.JobFailedException;
import dev.lumina.worker.runtime.JobOutcome;
import dev.lumina.worker.runtime.JobResult;
import dev.lumina.worker.sampling.FlagDitSampler;
import dev.lumina.worker.sampling.SampleResult;
import dev.lumina.worker.sampling.SamplingRequest;
import dev.lumina.worker.sampling.Solver;
import dev.lumina.worker.text.EncodedText;
import dev.lumina.worker.text.TextEncoder;
import dev.lumina.worker.text.TextEncoders;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The real {@link JobExecutor}: Flag-DiT on DJL. Per job: encode prompt and negative prompt, draw
 * the starting noise from the job's seed, integrate the flow ODE with the requested solver over the
 * shifted time grid with {@link FlagDitSampler} (classifier-free guidance when {@code cfg_scale !=
 * 1}), stream progress after
 * every step and a latent preview every {@code preview_every} steps, stop at the next step when
 * cancelled, then decode and store the outputs ({@link OutputWriter}).
 *
 * <p>Decoding: pixel-space models (3 latent channels, downsample 1) are their own decoder, values in
 * [-1, 1]; single-channel audio models emit waveform samples at {@code audio_frames_per_second}.
 * Latent models need a decoder this worker does not have yet; their jobs fail with
 * FAILED_PRECONDITION rather than deliver an approximation.
 *
 * <p>Thread-safety: {@link #run} may be called from several threads (the model and encoder only
 * read their weights); the runtime calls it from one job thread. {@link #close} must not race with
 * {@link #run}.
 */
public final class FlagDitJobExecutor implements JobExecutor {
  private static final int PREVIEW_MAX_SIDE = LatentPreview.DEFAULT_MAX_SIDE;

  private final NDManager manager;
  private final FlagDit model;
  private final TextEncoder text;
  private final ModelCard card;
  private final ArtifactStore store;
  private final Clock clock;

  /** Wraps a loaded model; closing this executor closes the model, the encoder and {@code manager}. */
  public FlagDitJobExecutor(
      NDManager manager, FlagDit model, TextEncoder text, ModelCard card, ArtifactStore store, Clock clock) {
    this.manager = manager;
    this.model = model;
    this.text = text;
    this.card = card;
    this.store = store;
    this.clock = clock;
  }

  /**
   * Loads the model directory: {@code model.safetensors} (or tensor-parallel shards), the text
   * encoder files ({@link TextEncoders}) and the optional {@value ModelCards#FILE}.
   *
   * @throws IOException when a file is missing or unreadable
   * @throws IllegalArgumentException when a file is malformed (the message names it)
   */
  public static FlagDitJobExecutor load(Path modelDir, ArtifactStore store, String announcedBy) throws IOException {
    Device device = Engine.getInstance().defaultDevice();
    FlagDit model = FlagDit.load(modelDir, device, AttentionKernels.best(device));
    NDManager manager = NDManager.newBaseManager(device);
    try {
      TextEncoder text = TextEncoders.load(modelDir, manager);
      ModelCard card = ModelCards.forModel(modelDir, model.config(), announcedBy, System.currentTimeMillis());
      return new FlagDitJobExecutor(manager, model, text, card, store, Clock.systemUTC());
    } catch (IOException | RuntimeException e) {
      model.close();
      manager.close();
      throw e;
    }
  }

  @Override
  public Optional<ModelCard> modelCard() {
    return Optional.of(card);
  }

  /** Jobs batch when they share token layout, solver, steps, time shift and extrapolation options. */
  @Override
  public Optional<Object> batchKey(JobEnvelope job) {
    try {
      JobPlan p = JobPlan.resolve(job, card, model.config());
      return Optional.of(List.of(p.layout(), p.solver(), p.steps(), p.timeShift(), p.forwardOptions()));
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
   * Samples the jobs as one batch ({@link FlagDitSampler#sampleBatch}); each keeps its own noise,
   * captions and guidance. Progress and previews go to each job's emitter after every step; a
   * cancelled job stops streaming at once and ends CANCELLED, and sampling stops at the next step
   * once every job of the batch is cancelled.
   */
  @Override
  public List<JobOutcome> runBatch(List<BatchJob> jobs) {
    JniUtils.setGradMode(false);
    JobOutcome[] outcomes = new JobOutcome[jobs.size()];
    List<Integer> live = new ArrayList<>();
    List<JobPlan> plans = new ArrayList<>();
    for (int i = 0; i < jobs.size(); i++) {
      try {
        plans.add(JobPlan.resolve(jobs.get(i).job(), card, model.config()));
        live.add(i);
      } catch (JobFailedException e) {
        outcomes[i] = JobOutcome.failed(e);
      }
    }
    if (live.isEmpty()) {
      return List.of(outcomes);
    }
    long started = clock.millis();
    try (NDManager m = manager.newSubManager()) {
      List<SamplingRequest> requests = new ArrayList<>();
      for (JobPlan plan : plans) {
        requests.add(request(plan, m));
      }
      List<SampleResult> results =
          FlagDitSampler.sampleBatch(
              model,
              requests,
              (step, total, t, latents) -> {
                boolean anyLive = false;
                for (int k = 0; k < live.size(); k++) {
                  BatchJob b = jobs.get(live.get(k));
                  if (b.cancel().isCancelled()) {
                    continue;
                  }
                  anyLive = true;
                  long elapsed = clock.millis() - started;
                  b.emitter().progress(
                      Progress.newBuilder()
                          .setStep(step)
                          .setTotal(total)
                          .setT(t)
                          .setEtaMs(elapsed * (total - step) / Math.max(1, step))
                          .build());
                  JobPlan plan = plans.get(k);
                  if (plan.previewEvery() > 0 && step % plan.previewEvery() == 0 && step < total) {
                    preview(plan, step, latents.get(k)).ifPresent(b.emitter()::preview);
                  }
                }
                // Checked after every step: sampling stops before the next step once all are cancelled.
                return anyLive;
              },
              m);
      long sampled = clock.millis();
      for (int k = 0; k < live.size(); k++) {
        BatchJob b = jobs.get(live.get(k));
        if (b.cancel().isCancelled() || !results.get(k).completed()) {
          outcomes[live.get(k)] = JobOutcome.ofCancelled();
          continue;
        }
        long decodeStart = clock.millis();
        try {
          OutputWriter out = new OutputWriter(b.job().getJobId(), plans.get(k).modality(),
              b.job().getRequest().getOutput().getTileSize(), store, b.emitter());
          decode(plans.get(k), results.get(k).latent(), out);
          outcomes[live.get(k)] = JobOutcome.succeeded(new JobResult(out.artifacts(), plans.get(k).seed(),
              sampled - started, clock.millis() - decodeStart, results.get(k).stepsDone()));
        } catch (JobFailedException e) {
          outcomes[live.get(k)] = JobOutcome.failed(e);
        } catch (ArtifactStoreException e) {
          outcomes[live.get(k)] = JobOutcome.failed(new JobFailedException(
              e.retriable() ? Status.Code.UNAVAILABLE : Status.Code.INTERNAL,
              "cannot store output: " + e.getMessage(), false, e));
        }
      }
    }
    return List.of(outcomes);
  }

  private SamplingRequest request(JobPlan plan, NDManager m) {
    EncodedText caps = text.encode(
        plan.cfg() ? List.of(plan.prompt(), plan.negative()) : List.of(plan.prompt()), m);
    return new SamplingRequest(
        plan.layout(),
        caps.features().get(0),
        caps.mask().get(0),
        plan.cfg() ? caps.features().get(1) : null,
        plan.cfg() ? caps.mask().get(1) : null,
        plan.cfgScale(),
        plan.guidance(),
        plan.solver(),
        plan.steps(),
        plan.timeShift(),
        plan.seed(),
        plan.forwardOptions());
  }

  private static Optional<Preview> preview(JobPlan plan, int step, NDArray current) {
    TokenLayout l = plan.layout();
    if (l.kind() == TokenLayout.Kind.AUDIO) {
      return Optional.empty();
    }
    NDArray first = l.framed() ? current.get(0) : current;
    RgbImage img = LatentPreview.project(first.toFloatArray(), plan.channels(), l.height(), l.width(), PREVIEW_MAX_SIDE);
    return Optional.of(Preview.newBuilder().setStep(step).setPng(ByteString.copyFrom(PngEncoder.encode(img))).build());
  }

  private void decode(JobPlan plan, NDArray latent, OutputWriter out)
      throws JobFailedException, ArtifactStoreException {
    TokenLayout l = plan.layout();
    ModelInfo info = card.getInfo();
    if (l.kind() == TokenLayout.Kind.AUDIO) {
      if (plan.channels() != 1) {
        throw new JobFailedException(Status.Code.FAILED_PRECONDITION,
            "model " + info.getName() + " has " + plan.channels() + " latent audio channels and no vocoder on this worker", true, null);
      }
      out.audio(0, latent.toFloatArray(), (int) Math.round(card.getAudioFramesPerSecond()));
      return;
    }
    if (plan.channels() != 3 || info.getDownsample() != 1) {
      throw new JobFailedException(Status.Code.FAILED_PRECONDITION,
          "model " + info.getName() + " has " + plan.channels() + "-channel latents (downsample "
              + info.getDownsample() + ") and no latent decoder on this worker", true, null);
    }
    if (!l.framed()) {
      out.picture(0, RgbImage.fromSignedChw(latent.toFloatArray(), l.height(), l.width()));
      return;
    }
    for (int f = 0; f < l.frames(); f++) {
      out.picture(f, RgbImage.fromSignedChw(latent.get(f).toFloatArray(), l.height(), l.width()));
    }
  }

  /** The model's budget geometry, for callers that size jobs for this executor. */
  public TokenBudget tokenBudget() {
    return new TokenBudget(card.getInfo().getDownsample(), card.getInfo().getPatchSize(), card.getAudioFramesPerSecond());
  }

  FlagDitConfig config() {
    return model.config();
  }

  @Override
  public void close() {
    text.close();
    model.close();
    manager.close();
  }

  static Solver solver(dev.lumina.proto.v1.Solver s, dev.lumina.proto.v1.Solver dflt) {
    dev.lumina.proto.v1.Solver v = s == dev.lumina.proto.v1.Solver.SOLVER_UNSPECIFIED ? dflt : s;
    return switch (v) {
      case MIDPOINT -> Solver.MIDPOINT;
      case RK4 -> Solver.RK4;
      case DOPRI5 -> Solver.DOPRI5;
      default -> Solver.EULER;
    };
  }

}

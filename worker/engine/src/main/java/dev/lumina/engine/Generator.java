package dev.lumina.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.lumina.engine.attention.AttentionKernels;
import dev.lumina.engine.model.FlagDit;
import dev.lumina.engine.model.FlagDitConfig;
import dev.lumina.engine.model.TokenLayout;
import dev.lumina.engine.pytorch.PyTorch;
import dev.lumina.engine.sampling.FlagDitSampler;
import dev.lumina.engine.sampling.SampleResult;
import dev.lumina.engine.sampling.SamplingRequest;
import dev.lumina.engine.text.EncodedText;
import dev.lumina.engine.text.TextEncoder;
import dev.lumina.engine.text.TextEncoders;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A loaded model directory ready to generate: the Flag-DiT, its text encoder and the flow sampler,
 * behind a plain-Java API (strings in, host float arrays out), so callers never touch the tensor
 * library.
 *
 * <p>Thread-safety: {@link #generate} may be called from several threads (the model and encoder
 * only read their weights); {@link #close} must not race with it.
 */
public final class Generator implements AutoCloseable {
  private final NDManager manager;
  private final FlagDit model;
  private final TextEncoder text;

  private Generator(NDManager manager, FlagDit model, TextEncoder text) {
    this.manager = manager;
    this.model = model;
    this.text = text;
  }

  /**
   * Loads {@code model.safetensors} (or tensor-parallel shards) and the text encoder files of
   * {@code modelDir} on the engine's default device with its fastest attention kernel.
   *
   * @throws IOException when a file is missing or unreadable
   * @throws IllegalArgumentException when a file is malformed (the message names it)
   */
  public static Generator load(Path modelDir) throws IOException {
    Device device = PyTorch.defaultDevice();
    FlagDit model = FlagDit.load(modelDir, device, AttentionKernels.best(device));
    NDManager manager = PyTorch.newManager(device);
    try {
      return new Generator(manager, model, TextEncoders.load(modelDir, manager));
    } catch (IOException | RuntimeException e) {
      model.close();
      manager.close();
      throw e;
    }
  }

  /** The model's architecture. */
  public FlagDitConfig config() {
    return model.config();
  }

  /**
   * Samples the generations as one batch (they must share {@link Generation#batchKey()}); each
   * keeps its own noise, captions and guidance. Results in request order.
   */
  public List<Generated> generate(List<Generation> generations, StepListener listener) {
    PyTorch.setGradMode(false);
    try (NDManager m = manager.newSubManager()) {
      List<SamplingRequest> requests = new ArrayList<>();
      for (Generation g : generations) {
        requests.add(request(g, m));
      }
      List<SampleResult> results =
          FlagDitSampler.sampleBatch(
              model,
              requests,
              (step, total, t, latents) ->
                  listener.onStep(
                      step,
                      total,
                      t,
                      (i, f) -> frame(generations.get(i).layout(), latents.get(i), f)),
              m);
      List<Generated> out = new ArrayList<>();
      for (int i = 0; i < results.size(); i++) {
        SampleResult r = results.get(i);
        TokenLayout layout = generations.get(i).layout();
        int frames = layout.framed() ? layout.frames() : 1;
        List<float[]> host = new ArrayList<>(frames);
        for (int f = 0; f < frames; f++) {
          host.add(frame(layout, r.latent(), f));
        }
        out.add(new Generated(host, r.completed(), r.stepsDone()));
      }
      return out;
    }
  }

  private static float[] frame(TokenLayout layout, NDArray latent, int frame) {
    if (!layout.framed()) {
      if (frame != 0) {
        throw new IndexOutOfBoundsException("frame " + frame + " of an unframed layout");
      }
      return latent.toFloatArray();
    }
    try (NDArray f = latent.get(frame)) {
      return f.toFloatArray();
    }
  }

  private SamplingRequest request(Generation g, NDManager m) {
    EncodedText caps =
        text.encode(g.guided() ? List.of(g.prompt(), g.negativePrompt()) : List.of(g.prompt()), m);
    return new SamplingRequest(
        g.layout(),
        caps.features().get(0),
        caps.mask().get(0),
        g.guided() ? caps.features().get(1) : null,
        g.guided() ? caps.mask().get(1) : null,
        g.cfgScale(),
        g.guidance(),
        g.solver(),
        g.steps(),
        g.timeShift(),
        g.seed(),
        g.options());
  }

  @Override
  public void close() {
    text.close();
    model.close();
    manager.close();
  }
}

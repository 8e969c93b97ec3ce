package dev.lumina.training.verify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.lumina.engine.Engines;
import dev.lumina.engine.ModelLayout;
import dev.lumina.engine.attention.NaiveAttention;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.checkpoint.Metadata;
import dev.lumina.engine.checkpoint.SafetensorsFile;
import dev.lumina.engine.model.FlagDit;
import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.model.Guidance;
import dev.lumina.engine.pytorch.PyTorch;
import dev.lumina.engine.sampling.OdeIntegrator;
import dev.lumina.engine.sampling.OdeResult;
import dev.lumina.engine.sampling.Solver;
import dev.lumina.engine.sampling.StepCallback;
import dev.lumina.engine.sampling.TimeGrid;
import dev.lumina.engine.text.LlamaTextEncoder;
import dev.lumina.engine.text.TokenBatch;
import dev.lumina.engine.vae.TiledDecoding;
import dev.lumina.engine.vae.VaeDecoder;
import dev.lumina.engine.vae.VaePictures;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Checks the whole latent pipeline of a release-layout model against a {@code lumina-t2i-bundle}
 * vector set: the folder holds {@code transformer/}, {@code text_encoder/} and {@code vae/} as a
 * user assembles them, plus {@code inputs.safetensors} (start noise {@code z}, prompt and negative
 * prompt as UTF-8) and {@code outputs.safetensors} with the reference's tokens, caption features,
 * time grid, trajectory, every guided forward, the decoded picture and its bytes. Settings (size,
 * steps, solver, guidance, time shift, the attention state used) are read from the files' metadata.
 * Not thread-safe per instance.
 */
public final class BundleVerifier {
  private static final Set<String> EXACT = Set.of("input_ids", "cap_mask");

  /** Whether {@code dir} looks like a bundle vector set. */
  public static boolean accepts(Path dir) {
    return Files.isDirectory(dir.resolve(ModelLayout.TRANSFORMER))
        && Files.isDirectory(dir.resolve(ModelLayout.TEXT_ENCODER))
        && Files.isDirectory(dir.resolve(ModelLayout.VAE))
        && Files.isRegularFile(dir.resolve("inputs.safetensors"))
        && Files.isRegularFile(dir.resolve("outputs.safetensors"));
  }

  /**
   * Runs the comparison, printing to {@code out}; returns 0 when every compared tensor passes, else
   * 1. Turns grad mode off on the calling thread.
   */
  public int verify(Path dir, PrintStream out) {
    PyTorch.setGradMode(false);
    Map<String, HostTensor> in;
    Map<String, HostTensor> ref;
    Metadata inMd;
    Metadata md;
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("inputs.safetensors"))) {
      in = f.readAll();
      inMd = new Metadata(f.metadata());
    }
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("outputs.safetensors"))) {
      ref = f.readAll();
      md = new Metadata(f.metadata());
    }
    List<String> prompts = TextEncoderVerifier.prompts(in);
    int steps = inMd.integer("num_steps").orElseThrow(() -> missing("num_steps"));
    float cfg = inMd.decimal("cfg_scale").orElse(4.0).floatValue();
    float shift = inMd.decimal("t_shift").orElse(1.0).floatValue();
    Solver solver = Solver.valueOf(inMd.string("solver").orElse("euler").toUpperCase(Locale.ROOT));
    ForwardOptions opts = attentionState(md);
    ModelLayout layout = ModelLayout.of(dir);
    Map<String, NDArray> computed = new HashMap<>();
    try (NDManager m = PyTorch.newManager(PyTorch.defaultDevice());
        LlamaTextEncoder text = LlamaTextEncoder.load(layout.textEncoder(), m);
        FlagDit model = FlagDit.load(layout.transformer(), m.getDevice(), new NaiveAttention());
        VaeDecoder vae =
            VaeDecoder.load(
                layout.vae().orElseThrow(),
                m.getDevice(),
                new NaiveAttention(),
                TiledDecoding.NEVER)) {
      Engines.prepare(model);
      Engines.prepare(text);
      Engines.prepare(vae);
      out.printf(
          Locale.ROOT,
          "model %s (engine %s %s)%ntext encoder %s (engine %s)%nvae %s (engine %s fp32)%n",
          model.config(),
          model.engine().flag(),
          model.precision().flag(),
          text.config(),
          text.engine().flag(),
          vae.config(),
          vae.engine().flag());
      TokenBatch tokens = text.tokenize(prompts);
      Shape rows = new Shape(tokens.batch(), tokens.length());
      computed.put("input_ids", m.create(floats(tokens.ids()), rows));
      NDArray mask = m.create(tokens.mask(), rows);
      computed.put("cap_mask", mask);
      NDArray feats = text.hiddenState(tokens, -1, m);
      computed.put("cap_feats", feats);
      HostTensor zt = in.get("z");
      if (zt == null) {
        throw missing("z");
      }
      NDArray z = m.create(zt.data(), new Shape(zt.shape()));
      long b = z.getShape().get(0);
      float[] grid = TimeGrid.shifted(steps, shift);
      computed.put("sample_t_grid", m.create(grid));
      List<Float> evalT = new ArrayList<>();
      List<NDArray> evalX = new ArrayList<>();
      List<NDArray> evalV = new ArrayList<>();
      OdeResult r =
          OdeIntegrator.of(solver)
              .integrate(
                  (x, t) -> {
                    NDArray v =
                        model.forwardWithCfg(
                            x,
                            x.getManager().full(new Shape(b), t),
                            feats,
                            mask,
                            cfg,
                            Guidance.FIRST_THREE_CHANNELS,
                            opts);
                    evalT.add(t);
                    evalX.add(kept(x, m));
                    evalV.add(kept(v, m));
                    return v;
                  },
                  z,
                  grid,
                  StepCallback.NONE,
                  true);
      computed.put("sample_trajectory", NDArrays.stack(new NDList(r.trajectory())));
      float[] ts = new float[evalT.size()];
      for (int i = 0; i < ts.length; i++) {
        ts[i] = evalT.get(i);
      }
      computed.put("dbg.eval_t", m.create(ts));
      computed.put("dbg.eval_x", NDArrays.stack(new NDList(evalX)));
      computed.put("dbg.eval_v", NDArrays.stack(new NDList(evalV)));
      NDArray last = r.last().get(new NDIndex("0:1"));
      computed.put("final_latent", last);
      computed.put("vae_input", last.div(vae.scalingFactor()));
      NDArray decoded = vae.decode(last);
      computed.put("decoded", decoded);
      NDArray image = VaePictures.unit(decoded);
      computed.put("image", image);
      computed.put("image_u8", VaePictures.roundedU8(image));
      computed.put("image_u8_demo", VaePictures.truncatedU8(image));
      return VectorReport.print(
          ref, computed::get, EXACT, out, ModelVerifier.tolerance(model.precision()));
    } catch (IOException e) {
      throw new UncheckedIOException("loading the bundle in " + dir, e);
    }
  }

  /** The attention settings the reference sampled with ({@code attention_state_after_sampling}). */
  private static ForwardOptions attentionState(Metadata md) {
    JsonElement state = md.json("attention_state_after_sampling").orElse(null);
    if (state == null || !state.isJsonObject()) {
      return ForwardOptions.DEFAULT;
    }
    JsonObject o = state.getAsJsonObject();
    boolean prop = o.has("proportional_attn") && o.get("proportional_attn").getAsBoolean();
    int base =
        o.has("base_seqlen") && !o.get("base_seqlen").isJsonNull()
            ? o.get("base_seqlen").getAsInt()
            : 0;
    double ntk = o.has("ntk_factor") ? o.get("ntk_factor").getAsDouble() : 1.0;
    double rope = o.has("rope_scaling_factor") ? o.get("rope_scaling_factor").getAsDouble() : 1.0;
    return new ForwardOptions(prop, base, ntk, rope);
  }

  /** A copy of {@code a} that outlives the solver's per-step scope. */
  private static NDArray kept(NDArray a, NDManager m) {
    NDArray copy = a.duplicate();
    copy.attach(m);
    return copy;
  }

  private static float[] floats(long[] v) {
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }

  private static IllegalArgumentException missing(String what) {
    return new IllegalArgumentException("the vector set has no '" + what + "'");
  }
}

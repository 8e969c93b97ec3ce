package dev.lumina.training.verify;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.Engines;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.checkpoint.SafetensorsFile;
import dev.lumina.engine.model.EngineKind;
import dev.lumina.engine.model.Precision;
import dev.lumina.engine.pytorch.PyTorch;
import dev.lumina.engine.text.LlamaTextEncoder;
import dev.lumina.engine.text.TextEncoders;
import dev.lumina.engine.text.TokenBatch;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Checks a Hugging Face LLaMA text encoder against reference vectors: DIR holds {@code
 * text_encoder/} (an HF LLaMA folder), {@code inputs.safetensors} with the prompts as zero-padded
 * UTF-8 ({@code prompt_utf8 [B, W]} U8, {@code prompt_utf8_len [B]}) and {@code
 * outputs.safetensors}. Token ids, mask and lengths ({@code input_ids}, {@code cap_mask}, {@code
 * seq_lens}) must match exactly; {@code last_hidden_state}, {@code hidden_states_m2}, {@code
 * dbg.hidden_states.i} and {@code dbg.rope_cos/sin} within {@code 1e-4 · max(1, max|ref|)}. One
 * line per tensor in {@link ModelVerifier}'s format; unknown names are skipped. Stateless.
 */
public final class TextEncoderVerifier {

  private static final Set<String> EXACT = Set.of("input_ids", "cap_mask", "seq_lens");

  /** Whether {@code dir} looks like a text-encoder vector set (see the class comment). */
  public static boolean recognises(Path dir) {
    Path inputs = dir.resolve("inputs.safetensors");
    if (!TextEncoders.isHfLlama(dir.resolve(TextEncoders.HF_SUBFOLDER))
        || !Files.isRegularFile(inputs)
        || !Files.isRegularFile(dir.resolve("outputs.safetensors"))) {
      return false;
    }
    try (SafetensorsFile f = SafetensorsFile.open(inputs)) {
      return f.names().contains("prompt_utf8");
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * Runs the comparison, printing to {@code out}; returns 0 when every compared tensor passes, else
   * 1. Turns grad mode off on the calling thread.
   */
  public int verify(Path dir, PrintStream out) {
    Engine.getInstance();
    PyTorch.setGradMode(false);
    Map<String, HostTensor> in;
    Map<String, HostTensor> ref;
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("inputs.safetensors"))) {
      in = f.readAll();
    }
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("outputs.safetensors"))) {
      ref = f.readAll();
    }
    List<String> prompts = prompts(in);
    try (NDManager m = NDManager.newBaseManager();
        LlamaTextEncoder encoder =
            LlamaTextEncoder.load(dir.resolve(TextEncoders.HF_SUBFOLDER), m)) {
      Engines.prepare(encoder);
      out.printf(
          Locale.ROOT,
          "text encoder %s, %d prompts (engine %s %s)%n",
          encoder.config(),
          prompts.size(),
          encoder.engine().flag(),
          Engines.precision().flag());
      TokenBatch batch = encoder.tokenize(prompts);
      NDList[] states = {null};
      return VectorReport.print(
          ref,
          name -> {
            if (name.equals("last_hidden_state")) {
              return encoder.hiddenState(batch, -1, m);
            }
            if (name.equals("hidden_states_m2")) {
              return encoder.hiddenState(batch, -2, m);
            }
            if (name.startsWith("dbg.hidden_states.")) {
              // Every state at once comes from the per-op path, which a bf16 encoder has dropped.
              if (encoder.engine() == EngineKind.COMPILED
                  && Engines.precision() == Precision.BF16) {
                return null;
              }
              if (states[0] == null) {
                states[0] = encoder.hiddenStates(batch, m);
              }
              return state(states[0], name);
            }
            return simple(name, encoder, batch, m);
          },
          EXACT,
          out,
          encoder.engine() == EngineKind.COMPILED
              ? ModelVerifier.tolerance(Engines.precision())
              : ModelVerifier.FP32_TOLERANCE);
    } catch (IOException e) {
      throw new UncheckedIOException("loading " + dir.resolve(TextEncoders.HF_SUBFOLDER), e);
    }
  }

  private static NDArray state(NDList states, String name) {
    int n = states.size();
    int index;
    switch (name) {
      case "last_hidden_state" -> index = n - 1;
      case "hidden_states_m2" -> index = n - 2;
      default -> {
        try {
          index = Integer.parseInt(name.substring("dbg.hidden_states.".length()));
        } catch (NumberFormatException e) {
          return null;
        }
      }
    }
    return index >= 0 && index < n ? states.get(index) : null;
  }

  private static NDArray simple(
      String name, LlamaTextEncoder encoder, TokenBatch batch, NDManager m) {
    Shape bl = new Shape(batch.batch(), batch.length());
    switch (name) {
      case "input_ids":
        return m.create(asFloats(batch.ids()), bl);
      case "cap_mask":
        return m.create(batch.mask(), bl);
      case "seq_lens":
        long[] lens = new long[batch.batch()];
        for (int i = 0; i < lens.length; i++) {
          lens[i] = batch.lengths()[i];
        }
        return m.create(asFloats(lens), new Shape(lens.length));
      case "dbg.rope_cos":
        return host(m, encoder.ropeCos(batch.length()));
      case "dbg.rope_sin":
        return host(m, encoder.ropeSin(batch.length()));
      default:
        return null;
    }
  }

  /** Token ids as float32 (exact: ids are far below 2^24), the reference reader's widening. */
  private static float[] asFloats(long[] values) {
    float[] f = new float[values.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = values[i];
    }
    return f;
  }

  private static NDArray host(NDManager m, HostTensor t) {
    return m.create(t.data(), new Shape(t.shape()));
  }

  /** The prompts of {@code prompt_utf8} / {@code prompt_utf8_len}, decoded as UTF-8. */
  static List<String> prompts(Map<String, HostTensor> in) {
    HostTensor bytes = in.get("prompt_utf8");
    HostTensor lens = in.get("prompt_utf8_len");
    if (bytes == null || lens == null || bytes.shape().length != 2) {
      throw new IllegalArgumentException(
          "inputs.safetensors needs prompt_utf8 [B, W] and prompt_utf8_len [B]");
    }
    int width = (int) bytes.shape()[1];
    List<String> out = new ArrayList<>();
    for (int i = 0; i < lens.data().length; i++) {
      int n = (int) lens.data()[i];
      if (n < 0 || n > width) {
        throw new IllegalArgumentException(
            "prompt_utf8_len[" + i + "] = " + n + " is out of range");
      }
      byte[] b = new byte[n];
      for (int j = 0; j < n; j++) {
        b[j] = (byte) (int) bytes.data()[i * width + j];
      }
      out.add(new String(b, StandardCharsets.UTF_8));
    }
    return out;
  }
}

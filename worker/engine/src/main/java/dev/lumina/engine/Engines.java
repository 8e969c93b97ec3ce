package dev.lumina.engine;

import dev.lumina.engine.model.EngineKind;
import dev.lumina.engine.model.EngineSwitchable;
import dev.lumina.engine.model.FlagDit;
import dev.lumina.engine.model.Precision;
import dev.lumina.engine.pytorch.PyTorch;
import dev.lumina.engine.text.LlamaTextEncoder;
import dev.lumina.engine.text.TextEncoder;
import dev.lumina.engine.vae.VaeDecoder;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Process-wide engine settings for callers that never touch DJL: the launcher's {@code --threads},
 * {@code --device}, {@code --engine} and {@code --dtype} flags. The engine and dtype apply to every
 * Flag-DiT loaded afterwards through {@link Generator} (and {@link #prepare}). Thread-safe.
 */
public final class Engines {
  private static final Logger LOG = LoggerFactory.getLogger(Engines.class);

  /** The default engine: the compiled trunk, which passes the parity vectors and is faster. */
  public static final EngineKind DEFAULT_ENGINE = EngineKind.COMPILED;

  private static volatile EngineKind engine = DEFAULT_ENGINE;
  private static volatile Precision precision = Precision.FP32;

  private Engines() {}

  /** Loads the native engine (a no-op once loaded). */
  public static void load() {
    PyTorch.engine();
  }

  /** Sets the intra-op thread count; {@code 0} keeps the engine's default. */
  public static void setThreads(int threads) {
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be >= 0, got " + threads);
    }
    if (threads > 0) {
      PyTorch.setThreads(threads);
    }
  }

  /** The intra-op thread count in effect. */
  public static int threads() {
    return PyTorch.threads();
  }

  /** The name of the device {@code name} resolves to (blank = the engine's default device). */
  public static String deviceName(String name) {
    return PyTorch.device(name).toString();
  }

  /**
   * Sets how Flag-DiT forwards run in models loaded from now on.
   *
   * @throws IllegalArgumentException for eager bf16 (message names both flags)
   */
  public static void setEngine(EngineKind kind, Precision dtype) {
    Objects.requireNonNull(kind, "engine");
    Objects.requireNonNull(dtype, "dtype");
    if (kind == EngineKind.EAGER && dtype != Precision.FP32) {
      throw new IllegalArgumentException(
          "--dtype bf16 needs --engine compiled (the eager engine runs fp32 only)");
    }
    engine = kind;
    precision = dtype;
  }

  /** The engine models loaded from now on use. */
  public static EngineKind engine() {
    return engine;
  }

  /** The dtype models loaded from now on use. */
  public static Precision precision() {
    return precision;
  }

  /**
   * Applies the configured engine and dtype to {@code model}. A compiled fp32 trunk that libtorch
   * rejects falls back to the eager engine with a warning (the results are the same, only slower);
   * a bf16 one cannot fall back and throws.
   *
   * @throws ai.djl.engine.EngineException if bf16 was asked for and the module does not load
   */
  public static FlagDit prepare(FlagDit model) {
    return apply(model, "Flag-DiT");
  }

  /**
   * Applies the configured engine and dtype to a LLaMA text encoder (other encoders are small and
   * always run per op), with the same fallback as {@link #prepare(FlagDit)}.
   */
  public static TextEncoder prepare(TextEncoder encoder) {
    if (encoder instanceof LlamaTextEncoder llama) {
      apply(llama, "LLaMA text encoder");
    }
    return encoder;
  }

  /**
   * Applies the configured engine to a VAE decoder. It always runs in float32, so a compiled
   * decoder that libtorch rejects falls back to the per-op one under either dtype.
   */
  public static VaeDecoder prepare(VaeDecoder decoder) {
    return apply(decoder, "VAE decoder", Precision.FP32);
  }

  private static <T extends EngineSwitchable> T apply(T target, String what) {
    return apply(target, what, precision);
  }

  private static <T extends EngineSwitchable> T apply(T target, String what, Precision dtype) {
    EngineKind kind = engine;
    if (kind == EngineKind.EAGER) {
      target.useEngine(EngineKind.EAGER, Precision.FP32);
      return target;
    }
    try {
      target.useEngine(kind, dtype);
    } catch (RuntimeException e) {
      if (dtype != Precision.FP32) {
        throw e;
      }
      LOG.warn("compiled {} unavailable ({}); running it per op", what, e.toString());
      target.useEngine(EngineKind.EAGER, Precision.FP32);
    }
    return target;
  }
}

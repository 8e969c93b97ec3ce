package dev.lumina.engine;

import dev.lumina.engine.pytorch.PyTorch;

/**
 * Process-wide engine settings for callers that never touch DJL: the launcher's {@code --threads}
 * and {@code --device} flags. Stateless.
 */
public final class Engines {
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
}

package dev.lumina.engine.pytorch;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The one place that names DJL's PyTorch engine: loading it, devices, intra-op threads and grad
 * mode. Everything else in the engine speaks DJL's engine-neutral API; callers outside the engine
 * use {@link dev.lumina.engine.Engines}. Stateless; the settings it changes are the native
 * library's.
 */
public final class PyTorch {
  /** DJL's name for the PyTorch engine. */
  public static final String ENGINE_NAME = "PyTorch";

  private PyTorch() {}

  /** Loads the native library on first use and returns the engine. */
  public static Engine engine() {
    return Engine.getEngine(ENGINE_NAME);
  }

  /** The engine's default device (the first GPU when one is visible, else the CPU). */
  public static Device defaultDevice() {
    return engine().defaultDevice();
  }

  /** {@code name} such as {@code cpu} or {@code gpu0}; blank or null means the default device. */
  public static Device device(String name) {
    return name == null || name.isBlank() ? defaultDevice() : Device.fromName(name);
  }

  /** A new root manager for PyTorch arrays on {@code device}. */
  public static NDManager newManager(Device device) {
    return NDManager.newBaseManager(device, ENGINE_NAME);
  }

  /** Sets the intra-op thread count of the native library (loading it first). */
  public static void setThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    engine();
    JniUtils.setNumThreads(threads);
  }

  /** The native library's intra-op thread count. */
  public static int threads() {
    engine();
    return JniUtils.getNumThreads();
  }

  /** Turns autograd recording on or off for the calling thread. */
  public static void setGradMode(boolean enabled) {
    engine();
    JniUtils.setGradMode(enabled);
  }

  /** Whether autograd records on the calling thread. */
  public static boolean gradMode() {
    return JniUtils.isGradMode();
  }
}

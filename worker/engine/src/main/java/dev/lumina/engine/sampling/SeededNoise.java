package dev.lumina.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/**
 * Standard normal noise drawn in Java from a job's own seed (never from DJL's global generator), so
 * the same seed and shape always give the same noise, whatever else runs. Stateless; thread-safe.
 */
public final class SeededNoise {

  private SeededNoise() {}

  public static float[] gaussian(long seed, int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, got " + count);
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    float[] out = new float[count];
    for (int i = 0; i < count; i++) {
      out[i] = (float) rnd.nextGaussian();
    }
    return out;
  }

  public static NDArray gaussian(NDManager manager, long seed, Shape shape) {
    return manager.create(gaussian(seed, Math.toIntExact(shape.size())), shape);
  }
}

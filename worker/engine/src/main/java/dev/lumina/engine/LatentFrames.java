package dev.lumina.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.lumina.engine.model.TokenLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/** A sample's frames copied to the host, decoded by a VAE or as the latent's own values. */
final class LatentFrames {
  private LatentFrames() {}

  /**
   * Every frame of {@code latent}: through {@code decoder} ({@code [3, h·f, w·f]} pixels in about
   * [-1, 1]) when given, else the latent's values, channel-major.
   */
  static List<float[]> host(TokenLayout layout, NDArray latent, LatentDecoder decoder) {
    int frames = layout.framed() ? layout.frames() : 1;
    List<float[]> out = new ArrayList<>(frames);
    for (int f = 0; f < frames; f++) {
      out.add(decoder == null ? frame(layout, latent, f) : decoded(decoder, layout, latent, f));
    }
    return out;
  }

  /**
   * The {@link StepListener.State} of latents {@code latent(i)} laid out as {@code layout(i)},
   * copied to the host when asked for.
   */
  static StepListener.State state(IntFunction<TokenLayout> layout, IntFunction<NDArray> latent) {
    return new StepListener.State() {
      @Override
      public float[] frame(int i, int f) {
        return LatentFrames.frame(layout.apply(i), latent.apply(i), f);
      }

      @Override
      public float[] latent(int i) {
        return latent.apply(i).toType(DataType.FLOAT32, false).toFloatArray();
      }
    };
  }

  /** Frame {@code frame} (0 for an unframed layout) of {@code latent}, channel-major. */
  static float[] frame(TokenLayout layout, NDArray latent, int frame) {
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

  private static float[] decoded(
      LatentDecoder decoder, TokenLayout layout, NDArray latent, int frame) {
    try (NDManager m = latent.getManager().newSubManager()) {
      NDArray one = layout.framed() ? latent.get(frame) : latent;
      NDArray batch = one.expandDims(0);
      batch.attach(m);
      return decoder.decode(batch).toFloatArray();
    }
  }
}

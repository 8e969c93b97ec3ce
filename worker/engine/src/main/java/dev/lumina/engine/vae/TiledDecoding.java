package dev.lumina.engine.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * When and how {@link VaeDecoder#decode} splits a large latent into overlapping square tiles: tiles
 * of {@code tile} latent cells per side, neighbours overlapping by {@code overlap} cells (the last
 * tile on each axis is moved back to end at the edge), each decoded alone and blended with linear
 * ramps across the overlaps, as diffusers' {@code tiled_decode} does. The mid-block attention and
 * the GroupNorm statistics are per tile, so a tiled picture is close to, not equal to, the untiled
 * one. Blending happens in host memory; only one tile's activations exist on the device at a time.
 * Immutable and thread-safe.
 *
 * @param thresholdCells decode untiled up to this many latent cells ({@code h·w})
 * @param tile tile side in latent cells, at least 2 * overlap + 1
 * @param overlap overlap between neighbouring tiles in latent cells, at least 1
 */
public record TiledDecoding(long thresholdCells, int tile, int overlap) {

  /**
   * Default threshold: 128x128 latent cells (1024x1024 pixels with SDXL's factor 8). Measured on
   * CPU (float32, 2 threads) with random weights at a quarter of SDXL's channels ([32, 64, 128,
   * 128], 2+1 resnets per level), peak resident memory above the loaded model: 305 MiB at 64x64
   * cells (2.5 s), 556 MiB at 96x96 (8.7 s), 950 MiB at 128x128 (23.6 s), i.e. about 7.5
   * full-resolution activations. Activations scale with the channels, so SDXL itself needs about
   * 1.2 / 2.2 / 3.8 GiB, and about 15 GiB at 256x256 cells (2048 px), where the mid-block attention
   * also runs over 65536 tokens: tiles above 1024 px keep a decode near 4 GiB.
   */
  public static final long DEFAULT_THRESHOLD_CELLS = 128L * 128L;

  /**
   * Default tile side in latent cells: 128 (1024 px), diffusers' SDXL {@code tile_latent_min_size}.
   */
  public static final int DEFAULT_TILE = 128;

  /**
   * Default overlap in latent cells: a quarter of a tile, diffusers' {@code tile_overlap_factor}.
   */
  public static final int DEFAULT_OVERLAP = 32;

  /** The default policy. */
  public static final TiledDecoding DEFAULT =
      new TiledDecoding(DEFAULT_THRESHOLD_CELLS, DEFAULT_TILE, DEFAULT_OVERLAP);

  /** Never tile (reference parity). */
  public static final TiledDecoding NEVER =
      new TiledDecoding(Long.MAX_VALUE, DEFAULT_TILE, DEFAULT_OVERLAP);

  public TiledDecoding {
    if (thresholdCells < 1 || overlap < 1 || tile < 2 * overlap + 1) {
      throw new IllegalArgumentException(
          "need thresholdCells >= 1, overlap >= 1 and tile >= 2*overlap+1, got "
              + thresholdCells
              + ", "
              + tile
              + ", "
              + overlap);
    }
  }

  /** Whether a latent of {@code h x w} cells is decoded in tiles. */
  public boolean shouldTile(long h, long w) {
    return h * w > thresholdCells && (h > tile || w > tile);
  }

  /** Tile starts along an axis of {@code length} cells. */
  List<Integer> starts(int length) {
    List<Integer> out = new ArrayList<>();
    if (length <= tile) {
      out.add(0);
      return out;
    }
    int stride = tile - overlap;
    for (int s = 0; s + tile < length; s += stride) {
      out.add(s);
    }
    out.add(length - tile);
    return out;
  }

  /** Decodes {@code latents} in tiles regardless of the threshold. */
  public NDArray decode(VaeDecoder decoder, NDArray latents) {
    long[] s = latents.getShape().getShape();
    int b = (int) s[0];
    int h = (int) s[2];
    int w = (int) s[3];
    int f = decoder.spatialFactor();
    int out = decoder.config().outChannels();
    int ph = h * f;
    int pw = w * f;
    float[] acc = new float[b * out * ph * pw];
    float[] wsum = new float[ph * pw];
    List<Integer> ys = starts(h);
    List<Integer> xs = starts(w);
    NDArray in =
        latents.getDevice().equals(decoder.device())
            ? latents
            : latents.toDevice(decoder.device(), false);
    try (NDArray z = decoder.toDecoderInput(in)) {
      for (int iy = 0; iy < ys.size(); iy++) {
        int y0 = ys.get(iy);
        int th = Math.min(tile, h);
        float[] wy = ramps(th * f, f, ys, iy, th);
        for (int ix = 0; ix < xs.size(); ix++) {
          int x0 = xs.get(ix);
          int tw = Math.min(tile, w);
          float[] wx = ramps(tw * f, f, xs, ix, tw);
          float[] px;
          try (NDArray sub = z.get(new NDIndex(":, :, {}:{}, {}:{}", y0, y0 + th, x0, x0 + tw));
              NDArray dec = decoder.decodeScaled(sub, null, false)) {
            px = dec.toFloatArray();
          }
          accumulate(acc, wsum, px, wx, wy, b, out, ph, pw, y0 * f, x0 * f);
        }
      }
    } finally {
      if (in != latents) {
        in.close();
      }
    }
    int plane = ph * pw;
    for (int i = 0; i < acc.length; i++) {
      acc[i] /= wsum[i % plane];
    }
    return latents.getManager().create(acc, new Shape(b, out, ph, pw));
  }

  /**
   * Per-pixel weights of tile {@code i} along one axis: a linear ramp up across the overlap with
   * the previous tile and down across the overlap with the next, 1 elsewhere, never 0.
   */
  private static float[] ramps(int pixels, int f, List<Integer> starts, int i, int tileCells) {
    float[] wgt = new float[pixels];
    java.util.Arrays.fill(wgt, 1f);
    if (i > 0) {
      int ov = (starts.get(i - 1) + tileCells - starts.get(i)) * f;
      for (int p = 0; p < ov && p < pixels; p++) {
        wgt[p] = Math.min(wgt[p], (p + 0.5f) / ov);
      }
    }
    if (i < starts.size() - 1) {
      int ov = (starts.get(i) + tileCells - starts.get(i + 1)) * f;
      for (int p = 0; p < ov && p < pixels; p++) {
        int q = pixels - 1 - p;
        wgt[q] = Math.min(wgt[q], (p + 0.5f) / ov);
      }
    }
    return wgt;
  }

  private static void accumulate(
      float[] acc,
      float[] wsum,
      float[] px,
      float[] wx,
      float[] wy,
      int b,
      int ch,
      int ph,
      int pw,
      int oy,
      int ox) {
    int th = wy.length;
    int tw = wx.length;
    for (int y = 0; y < th; y++) {
      for (int x = 0; x < tw; x++) {
        float wgt = wy[y] * wx[x];
        int dst = (oy + y) * pw + ox + x;
        wsum[dst] += wgt;
        for (int n = 0; n < b * ch; n++) {
          acc[n * ph * pw + dst] += wgt * px[(n * th + y) * tw + x];
        }
      }
    }
  }
}

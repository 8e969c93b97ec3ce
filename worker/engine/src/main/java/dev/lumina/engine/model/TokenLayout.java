package dev.lumina.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.lumina.proto.Modalities;
import dev.lumina.proto.TokenBudget;
import dev.lumina.proto.v1.Modality;

/**
 * How one job's latent becomes a 1-D token sequence and back (flag-dit-spec §2.2, §13). One engine
 * serves every layout:
 *
 * <ul>
 *   <li>IMAGE — latent {@code [C, h, w]}; per patch row the {@code w/p} patch tokens then one
 *       {@code [nextline]}: {@code (h/p)·(w/p+1)} tokens.
 *   <li>VIDEO and MULTIVIEW — latent {@code [F, C, h, w]}; each frame (or view) laid out as an
 *       image and followed by one {@code [nextframe]} ({@code eof_token}).
 *   <li>AUDIO — latent {@code [C, T]}; one token per latent frame, no patchify (the model's patch
 *       size must be 1), no {@code [nextline]}.
 * </ul>
 *
 * Token counts equal {@link TokenBudget}. Immutable and thread-safe. Sizes are in latent cells.
 *
 * @param kind layout kind
 * @param frames frames or views (1 for IMAGE; the frame count T for AUDIO)
 * @param height latent height h (1 for AUDIO)
 * @param width latent width w (T for AUDIO)
 */
public record TokenLayout(Kind kind, int frames, int height, int width) {

  /** Layout kinds. */
  public enum Kind {
    IMAGE,
    VIDEO,
    MULTIVIEW,
    AUDIO
  }

  public TokenLayout {
    if (kind == null) {
      throw new IllegalArgumentException("kind must be set");
    }
    if (frames < 1 || height < 1 || width < 1) {
      throw new IllegalArgumentException(
          "frames, height and width must be >= 1, got " + frames + ", " + height + ", " + width);
    }
    if (kind == Kind.IMAGE && frames != 1) {
      throw new IllegalArgumentException("an IMAGE layout has frames = 1, got " + frames);
    }
    if (kind == Kind.AUDIO && (height != 1 || width != frames)) {
      throw new IllegalArgumentException("an AUDIO layout has height 1 and width = frames");
    }
  }

  public static TokenLayout image(int height, int width) {
    return new TokenLayout(Kind.IMAGE, 1, height, width);
  }

  public static TokenLayout video(int frames, int height, int width) {
    return new TokenLayout(Kind.VIDEO, frames, height, width);
  }

  public static TokenLayout multiview(int views, int height, int width) {
    return new TokenLayout(Kind.MULTIVIEW, views, height, width);
  }

  public static TokenLayout audio(int latentFrames) {
    return new TokenLayout(Kind.AUDIO, latentFrames, 1, latentFrames);
  }

  /**
   * The layout of a job in pixels (or seconds for audio), using the budget's downsample factor; its
   * {@link #tokenCount} equals {@code budget.tokens(...)} for the same arguments. The one place an
   * API {@link Modality} becomes a {@link Kind} (unspecified is IMAGE).
   */
  public static TokenLayout forJob(
      Modality modality,
      int widthPx,
      int heightPx,
      int frames,
      int views,
      double durationS,
      TokenBudget budget) {
    long tokens = budget.tokens(modality, widthPx, heightPx, frames, views, durationS);
    int h = heightPx / budget.downsample();
    int w = widthPx / budget.downsample();
    return switch (Modalities.orDefault(modality)) {
      case VIDEO -> video(frames, h, w);
      case MULTIVIEW -> multiview(views, h, w);
      case AUDIO -> audio(Math.toIntExact(tokens));
      case IMAGE -> image(h, w);
      default -> throw new IllegalArgumentException("unknown modality " + modality);
    };
  }

  /** True for VIDEO and MULTIVIEW. */
  public boolean framed() {
    return kind == Kind.VIDEO || kind == Kind.MULTIVIEW;
  }

  /** The latent shape for {@code channels} channels. */
  public Shape latentShape(int channels) {
    return switch (kind) {
      case IMAGE -> new Shape(channels, height, width);
      case VIDEO, MULTIVIEW -> new Shape(frames, channels, height, width);
      case AUDIO -> new Shape(channels, frames);
    };
  }

  /** The number of values in the latent of {@code channels} channels. */
  public long latentSize(int channels) {
    return latentShape(channels).size();
  }

  /** The channel axis of {@link #latentShape}. */
  public int channelAxis() {
    return framed() ? 1 : 0;
  }

  /** Sequence length including {@code [nextline]} and {@code [nextframe]} tokens. */
  public long tokenCount(int patchSize) {
    if (kind == Kind.AUDIO) {
      return frames;
    }
    checkPatch(patchSize);
    long picture = (long) (height / patchSize) * (width / patchSize + 1);
    return framed() ? frames * (picture + 1) : picture;
  }

  void checkPatch(int p) {
    if (kind == Kind.AUDIO) {
      if (p != 1) {
        throw new IllegalArgumentException(
            "the AUDIO layout needs a model with patch size 1, got " + p);
      }
      return;
    }
    if (height % p != 0 || width % p != 0) {
      throw new IllegalArgumentException(
          "latent height and width must be multiples of the patch size "
              + p
              + ", got "
              + height
              + "x"
              + width);
    }
  }

  /** Latent → per-patch inputs {@code [P, C·p·p]} in (c, py, px) order. */
  NDArray patchify(NDArray latent, int p, int channels) {
    Shape expect = latentShape(channels);
    if (!latent.getShape().equals(expect)) {
      throw new IllegalArgumentException(
          "latent shape "
              + latent.getShape()
              + " does not match layout "
              + this
              + " with "
              + channels
              + " channels: expected "
              + expect);
    }
    checkPatch(p);
    int r = height / p;
    int c = width / p;
    return switch (kind) {
      case AUDIO -> latent.transpose(1, 0);
      case IMAGE ->
          latent
              .reshape(channels, r, p, c, p)
              .transpose(1, 3, 0, 2, 4)
              .reshape((long) r * c, (long) channels * p * p);
      case VIDEO, MULTIVIEW ->
          latent
              .reshape(frames, channels, r, p, c, p)
              .transpose(0, 2, 4, 1, 3, 5)
              .reshape((long) frames * r * c, (long) channels * p * p);
    };
  }

  /** Patch embeddings {@code [P, D]} → the sequence {@code [N, D]} with layout tokens inserted. */
  NDArray arrange(NDArray embedded, NDArray eol, NDArray eof, int p) {
    if (kind == Kind.AUDIO) {
      return embedded;
    }
    if (eol == null) {
      throw new IllegalArgumentException(
          "this checkpoint has no eol_token ([nextline]) and cannot "
              + "serve the "
              + kind
              + " layout");
    }
    long d = embedded.getShape().get(1);
    int r = height / p;
    int c = width / p;
    NDArray rows = embedded.reshape(frames, r, c, d);
    NDArray eolB = embedded.getManager().zeros(new Shape(frames, r, 1, d)).add(eol);
    NDArray seq = rows.concat(eolB, 2).reshape(frames, (long) r * (c + 1), d);
    if (framed()) {
      if (eof == null) {
        throw new IllegalArgumentException(
            "this checkpoint has no eof_token ([nextframe]) and cannot "
                + "serve the "
                + kind
                + " layout");
      }
      NDArray eofB = embedded.getManager().zeros(new Shape(frames, 1, d)).add(eof);
      seq = seq.concat(eofB, 1);
    }
    return seq.reshape(tokenCount(p), d);
  }

  /** Final-layer outputs {@code [N, p·p·Cout]} in (py, px, c) order → latent with Cout channels. */
  NDArray unpatchify(NDArray tokens, int p, int cout) {
    if (kind == Kind.AUDIO) {
      return tokens.transpose(1, 0);
    }
    int r = height / p;
    int c = width / p;
    long picture = (long) r * (c + 1);
    NDArray perFrame =
        tokens.reshape(frames, framed() ? picture + 1 : picture, (long) p * p * cout);
    NDArray cells =
        perFrame
            .get(new NDIndex(":, :{}", picture))
            .reshape(frames, r, c + 1, p, p, cout)
            .get(new NDIndex(":, :, :{}", c));
    NDArray img = cells.transpose(0, 5, 1, 3, 2, 4).reshape(frames, cout, height, width);
    return framed() ? img : img.reshape(cout, height, width);
  }
}

package dev.lumina.training.data;

import java.util.SplittableRandom;

/**
 * A deterministic, unbounded stream of captioned samples: {@code sample(modality, split, i)}
 * depends only on the dataset's seed and its arguments, so training is reproducible and any sample
 * can be regenerated (for resuming, or to look at what the model was taught).
 *
 * <p>Attributes are drawn uniformly (shape colour never equals the background); captions are random
 * paraphrases from {@link CaptionGrammar}. {@link Split#TRAIN} never yields a {@link HeldOut}
 * combination, {@link Split#HELD_OUT} yields only those.
 *
 * <p>Immutable and thread-safe.
 *
 * @param seed base seed
 * @param width frame width in pixels, 8..1024
 * @param height frame height in pixels, 8..1024
 * @param videoFrames frames per video clip, 2..64
 * @param views views per multi-view set, 1..16
 */
public record SyntheticDataset(long seed, int width, int height, int videoFrames, int views) {

  private static final CaptionGrammar GRAMMAR = new CaptionGrammar();
  private static final SceneRenderer RENDERER = new SceneRenderer();

  public SyntheticDataset {
    if (width < 8 || width > 1024 || height < 8 || height > 1024) {
      throw new IllegalArgumentException(
          "width and height must be in [8, 1024], got " + width + "x" + height);
    }
    if (videoFrames < 2 || videoFrames > 64) {
      throw new IllegalArgumentException("videoFrames must be in [2, 64], got " + videoFrames);
    }
    if (views < 1 || views > 16) {
      throw new IllegalArgumentException("views must be in [1, 16], got " + views);
    }
  }

  /** The {@code index}-th sample of one modality and split, with a paraphrased caption. */
  public Sample sample(Modality modality, Split split, long index) {
    SplittableRandom random =
        new SplittableRandom(mix(seed, modality.ordinal() * 2L + split.ordinal(), index));
    Scene scene;
    do {
      scene = scene(modality, random);
    } while (HeldOut.contains(scene) != (split == Split.HELD_OUT));
    return new Sample(
        scene, GRAMMAR.paraphrase(scene, random), RENDERER.render(scene, width, height));
  }

  /** Renders {@code scene} at this dataset's size with its canonical caption. */
  public Sample render(Scene scene) {
    return new Sample(scene, GRAMMAR.canonical(scene), RENDERER.render(scene, width, height));
  }

  private Scene scene(Modality modality, SplittableRandom r) {
    NamedColor bg = NamedColor.BACKGROUNDS.get(r.nextInt(NamedColor.BACKGROUNDS.size()));
    NamedColor color;
    do {
      color = NamedColor.SHAPE_COLORS.get(r.nextInt(NamedColor.SHAPE_COLORS.size()));
    } while (color == bg);
    ShapeKind shape = ShapeKind.values()[r.nextInt(ShapeKind.values().length)];
    SizeClass size = SizeClass.values()[r.nextInt(SizeClass.values().length)];
    return switch (modality) {
      case IMAGE -> new Scene.Image(shape, color, size, GridCell.values()[r.nextInt(9)], bg);
      case VIDEO ->
          new Scene.Video(
              shape, color, size, Direction.values()[r.nextInt(4)], r.nextInt(3), videoFrames, bg);
      case MULTI_VIEW ->
          new Scene.MultiView(Solid.values()[r.nextInt(Solid.values().length)], color, views, bg);
    };
  }

  private static long mix(long a, long b, long c) {
    long h = a * 0x9E3779B97F4A7C15L + b;
    h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + c;
    h = (h ^ (h >>> 29)) * 0x94D049BB133111EBL;
    return h ^ (h >>> 32);
  }
}

package dev.lumina.training.data;

import java.util.Objects;

/**
 * What a synthetic sample shows; the ground truth the evaluator compares generated samples against.
 * {@link #frames()} is 1 for images, the clip length for videos and the view count for multi-view
 * sets.
 */
public sealed interface Scene permits Scene.Image, Scene.Video, Scene.MultiView {

  /** Frames (or views) rendered for this scene. */
  int frames();

  /** The background colour. */
  NamedColor background();

  /** One shape in one grid cell. */
  record Image(
      ShapeKind shape, NamedColor color, SizeClass size, GridCell cell, NamedColor background)
      implements Scene {
    public Image {
      Objects.requireNonNull(shape, "shape");
      Objects.requireNonNull(size, "size");
      Objects.requireNonNull(cell, "cell");
      checkColors(color, background);
    }

    @Override
    public int frames() {
      return 1;
    }
  }

  /**
   * A shape crossing the frame in one direction along a lane (the row for horizontal motion, the
   * column for vertical motion, 0..2).
   */
  record Video(
      ShapeKind shape,
      NamedColor color,
      SizeClass size,
      Direction direction,
      int lane,
      int frames,
      NamedColor background)
      implements Scene {
    public Video {
      Objects.requireNonNull(shape, "shape");
      Objects.requireNonNull(size, "size");
      Objects.requireNonNull(direction, "direction");
      if (lane < 0 || lane > 2) {
        throw new IllegalArgumentException("lane must be in [0, 2], got " + lane);
      }
      if (frames < 2 || frames > 64) {
        throw new IllegalArgumentException("frames must be in [2, 64], got " + frames);
      }
      checkColors(color, background);
    }
  }

  /** Views from evenly spaced azimuths around one coloured solid. */
  record MultiView(Solid solid, NamedColor color, int frames, NamedColor background)
      implements Scene {
    public MultiView {
      Objects.requireNonNull(solid, "solid");
      if (frames < 1 || frames > 16) {
        throw new IllegalArgumentException("frames must be in [1, 16], got " + frames);
      }
      checkColors(color, background);
    }
  }

  private static void checkColors(NamedColor color, NamedColor background) {
    if (!NamedColor.SHAPE_COLORS.contains(color)) {
      throw new IllegalArgumentException(
          "color must be one of " + NamedColor.SHAPE_COLORS + ", got " + color);
    }
    if (!NamedColor.BACKGROUNDS.contains(background)) {
      throw new IllegalArgumentException(
          "background must be one of " + NamedColor.BACKGROUNDS + ", got " + background);
    }
    if (color == background) {
      throw new IllegalArgumentException("color and background must differ, both are " + color);
    }
  }
}

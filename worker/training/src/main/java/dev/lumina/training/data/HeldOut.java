package dev.lumina.training.data;

import java.util.List;

/**
 * Attribute combinations that never appear in training, to measure how well the model composes seen
 * attributes into unseen combinations. Each colour, shape, position, direction and solid still
 * appears in training, only these pairings do not.
 *
 * <p>Images: purple triangles in the bottom right cell, cyan squares in the top left cell, orange
 * diamonds in the center. Videos: red triangles moving left. Multi-view: yellow pyramids.
 */
public final class HeldOut {

  private record ImageCombo(NamedColor color, ShapeKind shape, GridCell cell) {}

  private static final List<ImageCombo> IMAGES =
      List.of(
          new ImageCombo(NamedColor.PURPLE, ShapeKind.TRIANGLE, GridCell.BOTTOM_RIGHT),
          new ImageCombo(NamedColor.CYAN, ShapeKind.SQUARE, GridCell.TOP_LEFT),
          new ImageCombo(NamedColor.ORANGE, ShapeKind.DIAMOND, GridCell.CENTER));

  private HeldOut() {}

  /** Whether {@code scene} belongs to the held-out set. */
  public static boolean contains(Scene scene) {
    if (scene instanceof Scene.Image s) {
      return IMAGES.contains(new ImageCombo(s.color(), s.shape(), s.cell()));
    }
    if (scene instanceof Scene.Video s) {
      return s.color() == NamedColor.RED
          && s.shape() == ShapeKind.TRIANGLE
          && s.direction() == Direction.LEFT;
    }
    Scene.MultiView s = (Scene.MultiView) scene;
    return s.color() == NamedColor.YELLOW && s.solid() == Solid.PYRAMID;
  }
}

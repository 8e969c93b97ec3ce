package dev.lumina.training.eval;

import dev.lumina.training.data.GridCell;
import dev.lumina.training.data.NamedColor;
import dev.lumina.training.data.ShapeKind;
import java.util.Objects;

/**
 * What {@link SceneAnalyzer} found in one picture: the main foreground object's colour, shape class
 * and grid cell, its centre in pixels and its area.
 *
 * @param color nearest shape colour to the object's mean colour
 * @param shape best-matching shape template
 * @param cell grid cell of the centre
 * @param centerX centre of the matched shape, pixels from the left edge
 * @param centerY centre of the matched shape, pixels from the top edge
 * @param area pixels in the object's connected component
 * @param shapeScore intersection-over-union of the object (soft) with the chosen template, 0..1
 */
public record Reading(
    NamedColor color,
    ShapeKind shape,
    GridCell cell,
    double centerX,
    double centerY,
    int area,
    double shapeScore) {

  public Reading {
    Objects.requireNonNull(color, "color");
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(cell, "cell");
    if (area < 1) {
      throw new IllegalArgumentException("area must be >= 1, got " + area);
    }
  }
}

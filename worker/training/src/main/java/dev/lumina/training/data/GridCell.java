package dev.lumina.training.data;

import java.util.List;

/** A cell of the 3×3 position grid, with caption phrases (the first of each list is canonical). */
public enum GridCell {
  TOP_LEFT(
      0,
      0,
      List.of("in the top left corner", "at the top left", "in the upper left"),
      List.of("top left", "upper left")),
  TOP(
      0,
      1,
      List.of("at the top", "at the top center", "in the top middle"),
      List.of("top", "top center")),
  TOP_RIGHT(
      0,
      2,
      List.of("in the top right corner", "at the top right", "in the upper right"),
      List.of("top right", "upper right")),
  LEFT(
      1,
      0,
      List.of("on the left", "at the middle left", "on the left side"),
      List.of("left", "middle left")),
  CENTER(
      1,
      1,
      List.of("in the center", "in the middle", "at the center"),
      List.of("center", "middle")),
  RIGHT(
      1,
      2,
      List.of("on the right", "at the middle right", "on the right side"),
      List.of("right", "middle right")),
  BOTTOM_LEFT(
      2,
      0,
      List.of("in the bottom left corner", "at the bottom left", "in the lower left"),
      List.of("bottom left", "lower left")),
  BOTTOM(
      2,
      1,
      List.of("at the bottom", "at the bottom center", "in the bottom middle"),
      List.of("bottom", "bottom center")),
  BOTTOM_RIGHT(
      2,
      2,
      List.of("in the bottom right corner", "at the bottom right", "in the lower right"),
      List.of("bottom right", "lower right"));

  private final int row;
  private final int col;
  private final List<String> phrases;
  private final List<String> labels;

  GridCell(int row, int col, List<String> phrases, List<String> labels) {
    this.row = row;
    this.col = col;
    this.phrases = phrases;
    this.labels = labels;
  }

  /** Row 0..2 from the top. */
  public int row() {
    return row;
  }

  /** Column 0..2 from the left. */
  public int col() {
    return col;
  }

  /** Prepositional phrases ("in the top left corner"). */
  public List<String> phrases() {
    return phrases;
  }

  /** Short labels ("top left") used as "top left: a red disc". */
  public List<String> labels() {
    return labels;
  }

  /** The cell at {@code row}, {@code col} (each 0..2). */
  public static GridCell at(int row, int col) {
    if (row < 0 || row > 2 || col < 0 || col > 2) {
      throw new IllegalArgumentException("row and col must be in [0, 2], got " + row + ", " + col);
    }
    return values()[row * 3 + col];
  }

  /** The cell holding the point ({@code x}, {@code y}) of a {@code width}×{@code height} image. */
  public static GridCell containing(double x, double y, int width, int height) {
    int col = (int) Math.max(0, Math.min(2, Math.floor(x * 3 / width)));
    int row = (int) Math.max(0, Math.min(2, Math.floor(y * 3 / height)));
    return at(row, col);
  }
}

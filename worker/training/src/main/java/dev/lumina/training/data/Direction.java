package dev.lumina.training.data;

import java.util.List;

/** Motion directions of video scenes, in image coordinates (y grows downwards). */
public enum Direction {
  LEFT(-1, 0, List.of("left", "to the left", "leftward")),
  RIGHT(1, 0, List.of("right", "to the right", "rightward")),
  UP(0, -1, List.of("up", "upward", "upwards")),
  DOWN(0, 1, List.of("down", "downward", "downwards"));

  private final int dx;
  private final int dy;
  private final List<String> words;

  Direction(int dx, int dy, List<String> words) {
    this.dx = dx;
    this.dy = dy;
    this.words = words;
  }

  /** Horizontal step sign. */
  public int dx() {
    return dx;
  }

  /** Vertical step sign (down is positive). */
  public int dy() {
    return dy;
  }

  /** Caption phrases following "moving"; the first is canonical. */
  public List<String> words() {
    return words;
  }

  /** Direction of the dominant axis of a displacement. */
  public static Direction of(double dx, double dy) {
    if (Math.abs(dx) >= Math.abs(dy)) {
      return dx >= 0 ? RIGHT : LEFT;
    }
    return dy >= 0 ? DOWN : UP;
  }
}

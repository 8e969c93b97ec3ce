package dev.lumina.training.data;

import java.util.List;

/** The 2-D shapes of image and video scenes, with their caption words (first = canonical). */
public enum ShapeKind {
  CIRCLE(List.of("circle", "disc", "dot")),
  SQUARE(List.of("square", "box", "block")),
  TRIANGLE(List.of("triangle")),
  DIAMOND(List.of("diamond", "rhombus"));

  private final List<String> words;

  ShapeKind(List<String> words) {
    this.words = words;
  }

  /** Caption words; the first is the canonical name. */
  public List<String> words() {
    return words;
  }
}

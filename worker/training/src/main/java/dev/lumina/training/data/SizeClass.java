package dev.lumina.training.data;

import java.util.List;

/** Two shape sizes, as a fraction of the image's shorter side, with their caption words. */
public enum SizeClass {
  SMALL(0.20f, List.of("small", "little", "tiny")),
  LARGE(0.31f, List.of("large", "big"));

  private final float fraction;
  private final List<String> words;

  SizeClass(float fraction, List<String> words) {
    this.fraction = fraction;
    this.words = words;
  }

  /** Side of the shape's bounding box relative to the image's shorter side. */
  public float fraction() {
    return fraction;
  }

  /** Caption words; the first is the canonical one. */
  public List<String> words() {
    return words;
  }
}

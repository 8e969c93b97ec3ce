package dev.lumina.training.data;

/** The 3-D objects of multi-view scenes. */
public enum Solid {
  CUBE("cube"),
  PYRAMID("pyramid"),
  SPHERE("sphere");

  private final String word;

  Solid(String word) {
    this.word = word;
  }

  /** The caption word. */
  public String word() {
    return word;
  }
}

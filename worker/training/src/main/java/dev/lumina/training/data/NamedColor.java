package dev.lumina.training.data;

import java.awt.Color;
import java.util.List;

/**
 * The colours of the synthetic world: eight shape colours and four background colours (white and
 * blue are both). Values are far apart in RGB so a nearest-colour rule recovers them from noisy
 * samples.
 */
public enum NamedColor {
  RED("red", 220, 30, 30),
  GREEN("green", 40, 180, 50),
  BLUE("blue", 40, 70, 230),
  YELLOW("yellow", 240, 220, 30),
  PURPLE("purple", 140, 40, 190),
  ORANGE("orange", 250, 140, 20),
  WHITE("white", 245, 245, 245),
  CYAN("cyan", 40, 215, 225),
  BLACK("black", 10, 10, 10),
  GRAY("gray", 120, 120, 120);

  /** Colours a shape or object may have. */
  public static final List<NamedColor> SHAPE_COLORS =
      List.of(RED, GREEN, BLUE, YELLOW, PURPLE, ORANGE, WHITE, CYAN);

  /** Colours a background may have. */
  public static final List<NamedColor> BACKGROUNDS = List.of(BLACK, GRAY, WHITE, BLUE);

  private final String word;
  private final int r;
  private final int g;
  private final int b;

  NamedColor(String word, int r, int g, int b) {
    this.word = word;
    this.r = r;
    this.g = g;
    this.b = b;
  }

  /** The caption word. */
  public String word() {
    return word;
  }

  /** The colour as sRGB. */
  public Color awt() {
    return new Color(r, g, b);
  }

  /** Red, green, blue in [0, 1]. */
  public float[] rgb() {
    return new float[] {r / 255f, g / 255f, b / 255f};
  }

  /** The shape colour nearest (Euclidean RGB) to {@code rgb} given in [0, 1]. */
  public static NamedColor nearestShapeColor(float[] rgb) {
    NamedColor best = null;
    double bestD = Double.MAX_VALUE;
    for (NamedColor c : SHAPE_COLORS) {
      float[] v = c.rgb();
      double d = sq(v[0] - rgb[0]) + sq(v[1] - rgb[1]) + sq(v[2] - rgb[2]);
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    return best;
  }

  private static double sq(double x) {
    return x * x;
  }
}

package dev.lumina.training.eval;

/**
 * Prompt adherence on one evaluation set: the share of samples whose analysed colour, shape class,
 * grid cell and (videos) motion direction match the prompt. An attribute that the set does not test
 * is NaN (motion for images, cell for videos). A sample where the analyzer finds no object counts
 * as wrong.
 *
 * @param name set name, e.g. {@code image 32x32 held-in}
 * @param samples samples scored
 * @param color colour accuracy, 0..1
 * @param shape shape accuracy, 0..1
 * @param position grid-cell accuracy, 0..1 or NaN
 * @param motion motion-direction accuracy, 0..1 or NaN
 * @param seconds wall time to sample and score the set
 */
public record SetScore(
    String name,
    int samples,
    double color,
    double shape,
    double position,
    double motion,
    double seconds) {

  /** One table row: name, n, then each accuracy as a percentage ("-" when not tested). */
  public String row() {
    return String.format(
        "%-34s %5d %7s %7s %9s %7s %7.1fs",
        name, samples, pct(color), pct(shape), pct(position), pct(motion), seconds);
  }

  /** The header matching {@link #row()}. */
  public static String header() {
    return String.format(
        "%-34s %5s %7s %7s %9s %7s %8s",
        "set", "n", "color", "shape", "position", "motion", "time");
  }

  private static String pct(double v) {
    return Double.isNaN(v) ? "-" : String.format("%.1f%%", 100 * v);
  }
}

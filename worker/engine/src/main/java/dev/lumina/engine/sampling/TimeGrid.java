package dev.lumina.engine.sampling;

/** The sampling time grid of flag-dit-spec §9.2, computed in float32 as the reference does. */
public final class TimeGrid {

  private TimeGrid() {}

  /**
   * {@code points} times from 0 to 1: u = linspace(0, 1, points) then t = u / (u + s − s·u) (equal
   * to u / (s − (s−1)·u)); {@code points − 1} solver steps. {@code shift} 1 = no shift.
   */
  public static float[] shifted(int points, float shift) {
    if (points < 2) {
      throw new IllegalArgumentException("steps (grid points) must be >= 2, got " + points);
    }
    if (!(shift > 0) || Float.isInfinite(shift)) {
      throw new IllegalArgumentException("time shift must be finite and > 0, got " + shift);
    }
    float[] t = new float[points];
    float step = 1f / (points - 1);
    int halfway = points / 2;
    for (int i = 0; i < points; i++) {
      float u = i < halfway ? step * i : 1f - step * (points - 1 - i);
      t[i] = u / (u + shift - shift * u);
    }
    return t;
  }
}

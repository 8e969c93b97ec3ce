package dev.lumina.deploy.bench;

import java.time.Duration;

/**
 * Range checks of the benchmarks' settings records: the message names the setting and its limit.
 */
final class SettingLimits {
  private SettingLimits() {}

  /**
   * Throws {@link IllegalArgumentException} ("{@code key} must be >= {@code min}, got {@code v}")
   * when {@code v < min}.
   */
  static void atLeast(String key, int v, int min) {
    if (v < min) {
      throw new IllegalArgumentException(key + " must be >= " + min + ", got " + v);
    }
  }

  /** Throws {@link IllegalArgumentException} unless {@code d} is longer than zero. */
  static void positive(String key, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + " must be positive, got " + d);
    }
  }
}

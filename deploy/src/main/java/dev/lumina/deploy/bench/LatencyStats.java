package dev.lumina.deploy.bench;

import java.util.Arrays;

/**
 * Order statistics of one latency series, in milliseconds.
 *
 * @param count samples
 * @param p50Ms median
 * @param p99Ms 99th percentile (nearest rank)
 * @param maxMs largest sample
 */
public record LatencyStats(int count, double p50Ms, double p99Ms, double maxMs) {

  public LatencyStats {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, got " + count);
    }
  }

  /** Statistics of {@code samplesMs} (not modified); all zero for an empty series. */
  public static LatencyStats of(double[] samplesMs) {
    if (samplesMs.length == 0) {
      return new LatencyStats(0, 0, 0, 0);
    }
    double[] s = samplesMs.clone();
    Arrays.sort(s);
    return new LatencyStats(s.length, rank(s, 0.50), rank(s, 0.99), s[s.length - 1]);
  }

  private static double rank(double[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}

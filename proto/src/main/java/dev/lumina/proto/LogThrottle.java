package dev.lumina.proto;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Decides which occurrences of a repeated problem get a log line: at most one per {@code interval}
 * for each kind, and that line carries how many occurrences went unlogged since the previous one.
 * Keeps bad input (garbage requests, malformed records) from flooding the log. Logging-agnostic:
 * the caller writes the line. Thread-safe.
 */
public final class LogThrottle {
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

  private static final class Window {
    long loggedAt;
    long suppressed;
    boolean started;
  }

  /** A throttle admitting one line per kind per {@code interval}. */
  public LogThrottle(Duration interval) {
    this(interval, System::nanoTime);
  }

  /** As {@link #LogThrottle(Duration)}, reading time from {@code nanoTime} (for tests). */
  public LogThrottle(Duration interval, LongSupplier nanoTime) {
    if (interval.isNegative()) {
      throw new IllegalArgumentException("interval must be >= 0, got " + interval);
    }
    this.intervalNanos = interval.toNanos();
    this.nanoTime = nanoTime;
  }

  /**
   * Records one occurrence of {@code kind}. Returns {@code -1} when it should not be logged, else
   * the number of occurrences of {@code kind} that were not logged since the last logged one.
   */
  public long admit(String kind) {
    Window w = windows.computeIfAbsent(kind, k -> new Window());
    long now = nanoTime.getAsLong();
    synchronized (w) {
      if (w.started && now - w.loggedAt < intervalNanos) {
        w.suppressed++;
        return -1;
      }
      long skipped = w.suppressed;
      w.started = true;
      w.loggedAt = now;
      w.suppressed = 0;
      return skipped;
    }
  }
}

package dev.lumina.artifacts;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes a store's artifacts older than {@code retention}, at start and then every {@code period},
 * on one daemon thread ({@code lumina-artifact-retention}). A sweep that fails is logged and tried
 * again at the next period. {@link #close} stops it.
 */
public final class RetentionSweeper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RetentionSweeper.class);

  private final ScheduledExecutorService timer;

  private RetentionSweeper(ScheduledExecutorService timer) {
    this.timer = timer;
  }

  /** Starts sweeping {@code store}; {@code retention} and {@code period} must be positive. */
  public static RetentionSweeper start(
      ArtifactStore store, Duration retention, Duration period, Clock clock) {
    if (retention.isNegative() || retention.isZero() || period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException(
          "retention and period must be positive, got " + retention + " and " + period);
    }
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "lumina-artifact-retention");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            int n = store.deleteOlderThan(clock.instant().minus(retention));
            if (n > 0) {
              log.info("artifact retention: deleted {} artifacts older than {}", n, retention);
            }
          } catch (ArtifactStoreUnavailableException | RuntimeException e) {
            log.warn(
                "artifact retention: sweep failed, tried again in {}: {}", period, e.toString());
          }
        },
        0,
        period.toMillis(),
        TimeUnit.MILLISECONDS);
    return new RetentionSweeper(timer);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}

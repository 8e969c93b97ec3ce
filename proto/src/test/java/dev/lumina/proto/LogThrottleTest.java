package dev.lumina.proto;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogThrottleTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final LogThrottle throttle = new LogThrottle(Duration.ofSeconds(10), now::get);

  @Test
  void logsTheFirstThenCountsTheRestUntilTheIntervalPasses() {
    assertThat(throttle.admit("a")).isZero();
    assertThat(throttle.admit("a")).isEqualTo(-1);
    assertThat(throttle.admit("a")).isEqualTo(-1);
    now.addAndGet(Duration.ofSeconds(10).toNanos());
    assertThat(throttle.admit("a")).isEqualTo(2);
    assertThat(throttle.admit("a")).isEqualTo(-1);
  }

  @Test
  void kindsAreThrottledApart() {
    assertThat(throttle.admit("a")).isZero();
    assertThat(throttle.admit("b")).isZero();
    assertThat(throttle.admit("a")).isEqualTo(-1);
  }
}

package dev.lumina.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.proto.cluster.v1.ControlMessage;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * With no broker behind the bootstrap address, publishes fail after their timeout until the circuit
 * breaker opens; from then on they fail at once, saying so, with a retry delay.
 */
class KafkaJobPublisherTest {

  private static String deadAddress() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return "127.0.0.1:" + s.getLocalPort(); // closed again: nothing listens there
    }
  }

  @Test
  void afterAFewTimeoutsTheBreakerOpensAndPublishesFailAtOnce() throws IOException {
    Duration timeout = Duration.ofMillis(400);
    try (KafkaJobPublisher p = new KafkaJobPublisher(deadAddress(), "test", timeout)) {
      ControlMessage m = ControlMessage.newBuilder().setJobId("j-1").build();
      for (int i = 0; i < KafkaJobPublisher.MIN_CALLS; i++) {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> p.publishControl(m))
            .isInstanceOf(JobPublisher.PublishException.class)
            .hasMessageContaining("within 400 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - t0))
            .as("a publish waits its timeout")
            .isGreaterThanOrEqualTo(Duration.ofMillis(300));
      }
      assertThat(p.breakerState()).isEqualTo(CircuitBreaker.State.OPEN);
      long t0 = System.nanoTime();
      JobPublisher.PublishException e = null;
      try {
        p.publishControl(m);
      } catch (JobPublisher.PublishException ex) {
        e = ex;
      }
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      assertThat(e).isNotNull();
      assertThat(e.getMessage()).startsWith("the broker is unreachable");
      assertThat(e.retryAfter()).isEqualTo(KafkaJobPublisher.OPEN_WAIT);
      assertThat(took).as("an open breaker answers at once").isLessThan(Duration.ofMillis(200));
      assertThat(GatewayErrors.toStatus(e).getStatus().getCode())
          .isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
    }
  }
}

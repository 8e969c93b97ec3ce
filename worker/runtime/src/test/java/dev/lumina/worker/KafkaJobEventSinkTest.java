package dev.lumina.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class KafkaJobEventSinkTest {

  @Test
  void eventsLingerSoTheJobsRunningTogetherShareProduceRequests() {
    Properties p =
        KafkaJobEventSink.properties("127.0.0.1:9092", "w", WorkerConfig.DEFAULT_EVENT_TIMEOUT);
    assertThat(p.get(ProducerConfig.LINGER_MS_CONFIG)).isEqualTo(KafkaJobEventSink.LINGER_MS);
    assertThat(p.get(ProducerConfig.ACKS_CONFIG)).isEqualTo("all");
    assertThat(p.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG)).isEqualTo("true");
  }

  @Test
  void aShortTimeoutStillCoversTheLingerAndTheRequestTimeout() {
    Properties p = KafkaJobEventSink.properties("127.0.0.1:9092", "w", Duration.ofMillis(12));
    int linger = (Integer) p.get(ProducerConfig.LINGER_MS_CONFIG);
    int request = (Integer) p.get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG);
    int delivery = (Integer) p.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG);
    assertThat(linger).isEqualTo(3);
    assertThat(linger + request).isLessThanOrEqualTo(delivery);
    // The producer itself refuses a delivery timeout below linger + request timeout.
    new KafkaJobEventSink("127.0.0.1:9092", "w", Duration.ofMillis(12)).close();
  }
}

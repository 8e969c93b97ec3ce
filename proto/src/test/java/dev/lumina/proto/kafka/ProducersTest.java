package dev.lumina.proto.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class ProducersTest {

  @Test
  void idempotentProducer() {
    Properties p =
        Producers.idempotent("k:9092", "gw-1", Duration.ofSeconds(10), Duration.ofSeconds(5));
    assertThat(p)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "k:9092",
                ProducerConfig.CLIENT_ID_CONFIG, "gw-1",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                ProducerConfig.LINGER_MS_CONFIG, "0",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000L));
  }

  @Test
  void transactionalProducer() {
    Properties p = Producers.transactional("k:9092", "lumina-scheduler-0");
    assertThat(p)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "k:9092",
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "lumina-scheduler-0",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                ProducerConfig.LINGER_MS_CONFIG, "0",
                ProducerConfig.RETRY_BACKOFF_MS_CONFIG, Producers.TRANSACTION_RETRY_BACKOFF_MS,
                ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG,
                    Producers.TRANSACTION_RETRY_BACKOFF_MAX_MS));
  }
}

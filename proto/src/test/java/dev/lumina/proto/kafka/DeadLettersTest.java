package dev.lumina.proto.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.proto.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

  @Test
  void keepsKeyAndValueAndNamesWhereAndWhy() {
    byte[] garbage = {(byte) 0xff, (byte) 0xff};
    ProducerRecord<String, byte[]> d =
        DeadLetters.of(new ConsumerRecord<>(Topics.REQUESTS, 3, 42L, "k", garbage), "not a job");
    assertThat(d.topic()).isEqualTo(Topics.DEAD_LETTER);
    assertThat(d.key()).isEqualTo("k");
    assertThat(d.value()).isEqualTo(garbage);
    assertThat(header(d, DeadLetters.ERROR)).isEqualTo("not a job");
    assertThat(header(d, DeadLetters.SOURCE_TOPIC)).isEqualTo(Topics.REQUESTS);
    assertThat(header(d, DeadLetters.SOURCE_PARTITION)).isEqualTo("3");
    assertThat(header(d, DeadLetters.SOURCE_OFFSET)).isEqualTo("42");
  }

  @Test
  void aRecordWithoutValueGetsAnEmptyOne() {
    ProducerRecord<String, byte[]> d =
        DeadLetters.of(new ConsumerRecord<String, byte[]>(Topics.REQUESTS, 0, 0L, null, null), "x");
    assertThat(d.value()).isEmpty();
  }

  private static String header(ProducerRecord<String, byte[]> r, String name) {
    return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }
}

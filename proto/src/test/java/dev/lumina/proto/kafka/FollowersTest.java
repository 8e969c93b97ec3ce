package dev.lumina.proto.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;

class FollowersTest {

  @Test
  void aFollowerWaitsAtTheBrokerForAShortTimeOrAMegabyteAndKeepsItsOtherSettings() {
    Properties p = new Properties();
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Properties out = Followers.fetchSettings(p);
    assertThat(out).isSameAs(p);
    assertThat(out)
        .containsEntry(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5)
        .containsEntry(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1024 * 1024)
        .containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
        .hasSize(3);
  }
}

package dev.lumina.deploy.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaConfigTest {

  private static final Path DIR = Path.of("build-test-kafka");

  @Test
  void portOutOfRangeIsRejectedNamingTheField() {
    assertThatThrownBy(() -> new EmbeddedKafkaConfig(DIR, "127.0.0.1", 70_000, 0, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("brokerPort")
        .hasMessageContaining("65535");
    assertThatThrownBy(() -> new EmbeddedKafkaConfig(DIR, "127.0.0.1", 0, -1, Map.of()))
        .hasMessageContaining("controllerPort");
  }

  @Test
  void sameFixedPortForBrokerAndControllerIsRejected() {
    assertThatThrownBy(() -> new EmbeddedKafkaConfig(DIR, "127.0.0.1", 9092, 9092, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must differ");
  }

  @Test
  void brokerPropertiesCarryTheSingleNodePitfallFixesAndKeepListenersOverExtras() {
    EmbeddedKafkaConfig config =
        new EmbeddedKafkaConfig(
            DIR,
            "127.0.0.1",
            0,
            0,
            Map.of("listeners", "PLAINTEXT://0.0.0.0:1", "num.partitions", "4"));
    Properties p = BrokerProperties.build(config, 19092, 19093);

    assertThat(p.getProperty("log.cleaner.dedupe.buffer.size")).isEqualTo("8388608");
    assertThat(p.getProperty("offsets.topic.replication.factor")).isEqualTo("1");
    assertThat(p.getProperty("share.coordinator.state.topic.replication.factor")).isEqualTo("1");
    assertThat(p.getProperty("share.coordinator.state.topic.min.isr")).isEqualTo("1");
    assertThat(p.getProperty("transaction.state.log.replication.factor")).isEqualTo("1");
    assertThat(p.getProperty("controller.quorum.voters")).isEqualTo("1@127.0.0.1:19093");
    assertThat(p.getProperty("listeners"))
        .isEqualTo("PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093");
    assertThat(p.getProperty("num.partitions")).isEqualTo("4");
    assertThat(p.getProperty("controlled.shutdown.enable")).isEqualTo("false");
  }

  @Test
  void accessorsBeforeStartFailClearly() {
    EmbeddedKafka kafka = new EmbeddedKafka(EmbeddedKafkaConfig.ephemeral(DIR));
    assertThatThrownBy(kafka::bootstrapServers)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not started");
    kafka.close();
    assertThatThrownBy(kafka::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }
}

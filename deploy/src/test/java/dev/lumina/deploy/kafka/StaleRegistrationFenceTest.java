package dev.lumina.deploy.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaleRegistrationFenceTest {

  @Test
  void everyStartButTheFirstNeedsIt(@TempDir Path dir) throws Exception {
    assertThat(StaleRegistrationFence.neededFor(dir)).as("never formatted").isFalse();
    Files.writeString(dir.resolve("meta.properties"), "node.id=1\n");
    assertThat(StaleRegistrationFence.neededFor(dir)).as("formatted").isTrue();
  }

  @Test
  void aRestartedNodeServesItsDataAgainAfterTheControllerFencedItsOldRegistration(@TempDir Path dir)
      throws Exception {
    EmbeddedKafka first = new EmbeddedKafka(EmbeddedKafkaConfig.ephemeral(dir));
    first.start();
    int brokerPort = first.brokerPort();
    int controllerPort = first.controllerPort();
    try (Admin admin = admin(first.bootstrapServers())) {
      admin
          .createTopics(Set.of(new NewTopic("kept", 1, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    // Without a controlled shutdown the metadata still shows broker 1 registered and unfenced.
    first.close();

    EmbeddedKafka second =
        new EmbeddedKafka(
            new EmbeddedKafkaConfig(dir, "127.0.0.1", brokerPort, controllerPort, Map.of()));
    try {
      long t0 = System.nanoTime();
      second.start();
      assertThat(Duration.ofNanos(System.nanoTime() - t0))
          .as("the controller fenced the old registration (9 s session), not the 60 s fallback")
          .isLessThan(Duration.ofSeconds(50));
      try (Admin admin = admin(second.bootstrapServers())) {
        assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("kept");
        assertThat(
                admin
                    .describeTopics(Set.of("kept"))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .get("kept")
                    .partitions()
                    .get(0)
                    .leader())
            .as("leader of kept-0")
            .isNotNull()
            .extracting(n -> n.id())
            .isEqualTo(1);
      }
    } finally {
      second.close();
    }
  }

  private static Admin admin(String bootstrap) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return Admin.create(p);
  }
}

package dev.lumina.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkerConfigTest {
  private static final List<String> TOPICS = List.of("lumina.work.image.s");

  @Test
  void theBuilderStartsFromTheDeclaredDefaults() {
    WorkerConfig c = WorkerConfig.builder("127.0.0.1:9092", TOPICS, "w1").build();
    assertThat(c.groupId()).isEqualTo(WorkerConfig.DEFAULT_GROUP_ID);
    assertThat(c.pollTimeout()).isEqualTo(Duration.ofMillis(WorkerConfig.DEFAULT_POLL_TIMEOUT_MS));
    assertThat(c.maxPollInterval()).isEqualTo(WorkerConfig.DEFAULT_MAX_POLL_INTERVAL);
    assertThat(c.eventTimeout()).isEqualTo(WorkerConfig.DEFAULT_EVENT_TIMEOUT);
    assertThat(c.chunkAckTimeout()).isEqualTo(WorkerConfig.DEFAULT_CHUNK_ACK_TIMEOUT);
    assertThat(c.drainTimeout())
        .isEqualTo(Duration.ofSeconds(WorkerConfig.DEFAULT_DRAIN_TIMEOUT_SECONDS));
    assertThat(c.controlLookback()).isEqualTo(WorkerConfig.DEFAULT_CONTROL_LOOKBACK);
    assertThat(c.maxBatch()).isEqualTo(WorkerConfig.DEFAULT_MAX_BATCH);
    assertThat(c.sessionTimeout())
        .isEqualTo(Duration.ofSeconds(WorkerConfig.DEFAULT_SESSION_TIMEOUT_SECONDS));
  }

  @Test
  void heartbeatsGoEverySecondWithinAThirdOfTheSession() {
    WorkerConfig c = WorkerConfig.builder("127.0.0.1:9092", TOPICS, "w1").build();
    // The default 10 s session would give 3.3 s: a joining worker stalled the pool that long.
    assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.toBuilder().sessionTimeout(Duration.ofMinutes(30)).build().heartbeatInterval())
        .isEqualTo(WorkerConfig.HEARTBEAT_INTERVAL);
    assertThat(
            c.toBuilder()
                .sessionTimeout(WorkerConfig.MIN_SESSION_TIMEOUT)
                .build()
                .heartbeatInterval())
        .isLessThanOrEqualTo(WorkerConfig.MIN_SESSION_TIMEOUT.dividedBy(3));
  }

  @Test
  void toBuilderKeepsEveryValueAndChangesOnlyWhatIsSet() {
    WorkerConfig a =
        WorkerConfig.builder("b:1", TOPICS, "w1")
            .groupId("pool-a")
            .pollTimeout(Duration.ofMillis(50))
            .maxBatch(8)
            .sessionTimeout(Duration.ofSeconds(20))
            .build();
    assertThat(a.toBuilder().build()).isEqualTo(a);
    WorkerConfig b = a.toBuilder().maxBatch(2).build();
    assertThat(b.maxBatch()).isEqualTo(2);
    assertThat(b.groupId()).isEqualTo("pool-a");
    assertThat(b.sessionTimeout()).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void aValueOutOfRangeIsRefusedNamingTheSettingAndItsLimit() {
    WorkerConfig.Builder b = WorkerConfig.builder("b:1", TOPICS, "w1");
    assertThatThrownBy(() -> b.maxBatch(WorkerConfig.MAX_BATCH + 1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("max batch")
        .hasMessageContaining(String.valueOf(WorkerConfig.MAX_BATCH));
    assertThatThrownBy(() -> WorkerConfig.builder("b:1", List.of("lumina.requests"), "w1").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lumina.work.<modality>.<tier>");
  }
}

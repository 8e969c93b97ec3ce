package dev.lumina.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SchedulerConfigTest {

  @Test
  void theBuilderStartsFromTheDeclaredDefaults() {
    SchedulerConfig c = SchedulerConfig.builder("127.0.0.1:9092").build();
    assertThat(c.releaseWindow()).isEqualTo(SchedulerConfig.DEFAULT_RELEASE_WINDOW);
    assertThat(c.groupId()).isEqualTo(SchedulerConfig.DEFAULT_GROUP_ID);
    assertThat(c.transactionalId())
        .isEqualTo(SchedulerConfig.TRANSACTIONAL_ID_PREFIX + SchedulerConfig.DEFAULT_INSTANCE);
    assertThat(c.expiryGrace()).isEqualTo(SchedulerConfig.DEFAULT_EXPIRY_GRACE);
    assertThat(c.toBuilder().build()).isEqualTo(c);
  }

  @Test
  void theInstanceIsPartOfTheTransactionalId() {
    assertThat(SchedulerConfig.builder("k:1").instance("7").build().transactionalId())
        .isEqualTo("lumina-scheduler-7");
  }

  @Test
  void aReleaseWindowBelowOneIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> SchedulerConfig.builder("k:1").releaseWindow(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("release-window must be >= 1");
  }
}

package dev.lumina.proto.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.proto.Tiers;
import dev.lumina.proto.Topics;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class ClusterTopicsTest {

  @Test
  void gatewayTopics() {
    List<NewTopic> t = ClusterTopics.gateway(6, (short) 3);
    assertThat(t)
        .extracting(NewTopic::name)
        .containsExactly(
            Topics.REQUESTS, Topics.CONTROL, Topics.EVENTS, Topics.MODELS, Topics.CHUNKS);
    assertThat(t).extracting(NewTopic::replicationFactor).containsOnly((short) 3);
    assertThat(t).extracting(NewTopic::numPartitions).containsExactly(6, 6, 6, 1, 6);
    assertThat(configs(t, Topics.CHUNKS))
        .containsEntry("cleanup.policy", "delete")
        .containsEntry("retention.ms", Long.toString(Topics.CHUNKS_RETENTION_MS));
    assertThat(configs(t, Topics.EVENTS)).isEqualTo(Map.of("cleanup.policy", "compact"));
    assertThat(configs(t, Topics.MODELS)).isEqualTo(Map.of("cleanup.policy", "compact"));
    assertThat(configs(t, Topics.REQUESTS)).isNull();
  }

  @Test
  void schedulerTopicsIncludeEveryWorkTopic() {
    List<NewTopic> t = ClusterTopics.scheduler(Tiers.parse("s=10,m=20"), 4, (short) 1);
    assertThat(t)
        .extracting(NewTopic::name)
        .containsExactly(
            Topics.REQUESTS,
            Topics.CONTROL,
            Topics.EVENTS,
            Topics.QUEUE_DEPTH,
            Topics.DEAD_LETTER,
            Topics.CHUNKS,
            "lumina.work.image.s",
            "lumina.work.image.m",
            "lumina.work.video.s",
            "lumina.work.video.m",
            "lumina.work.multiview.s",
            "lumina.work.multiview.m",
            "lumina.work.audio.s",
            "lumina.work.audio.m");
    assertThat(t)
        .extracting(NewTopic::numPartitions)
        .containsExactly(4, 4, 4, 1, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4);
    assertThat(configs(t, Topics.EVENTS)).isEqualTo(Map.of("cleanup.policy", "compact"));
    assertThat(configs(t, Topics.QUEUE_DEPTH)).isNull();
  }

  private static Map<String, String> configs(List<NewTopic> topics, String name) {
    Optional<NewTopic> t = topics.stream().filter(n -> n.name().equals(name)).findFirst();
    assertThat(t).isPresent();
    return t.get().configs();
  }
}

package dev.lumina.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.junit.jupiter.api.Test;

class OffsetCommitsTest {
  private static final TopicPartition P0 = new TopicPartition("lumina.work.image.s", 0);
  private static final TopicPartition P1 = new TopicPartition("lumina.work.image.s", 1);

  /** Commits what it is given, after first throwing each of {@code failures} once, in order. */
  private static final class ScriptedCommitter implements OffsetCommits.Committer {
    final List<RuntimeException> failures;
    final List<Map<TopicPartition, OffsetAndMetadata>> committed = new ArrayList<>();

    ScriptedCommitter(RuntimeException... failures) {
      this.failures = new ArrayList<>(List.of(failures));
    }

    @Override
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
      if (!failures.isEmpty()) {
        throw failures.remove(0);
      }
      committed.add(Map.copyOf(offsets));
    }
  }

  @Test
  void aCommitMeetingARebalanceStaysDueAndSucceedsOnTheNextFlush() {
    ScriptedCommitter c = new ScriptedCommitter(new RebalanceInProgressException("rebalancing"));
    OffsetCommits commits = new OffsetCommits(c);
    commits.add(P0, 5);

    assertThat(commits.flush(Set.of(P0))).isFalse();
    assertThat(commits.due()).containsEntry(P0, 5L);

    commits.add(P0, 6);
    assertThat(commits.flush(Set.of(P0))).isTrue();
    assertThat(c.committed).containsExactly(Map.of(P0, new OffsetAndMetadata(6)));
    assertThat(commits.isEmpty()).isTrue();
  }

  @Test
  void aRetriableErrorIsRetriedButARefusedCommitIsDroppedWithoutThrowing() {
    ScriptedCommitter c =
        new ScriptedCommitter(
            new TimeoutException("slow broker"), new CommitFailedException("partition moved"));
    OffsetCommits commits = new OffsetCommits(c);
    commits.add(P0, 3);

    assertThat(commits.flush(Set.of(P0))).isFalse();
    assertThat(commits.due()).containsEntry(P0, 3L);
    assertThat(commits.flush(Set.of(P0))).isTrue();
    assertThat(commits.isEmpty()).isTrue();
    assertThat(c.committed).isEmpty();
  }

  @Test
  void aNonRetriableKafkaErrorDropsTheOffsetsInsteadOfEndingTheLoop() {
    OffsetCommits commits =
        new OffsetCommits(new ScriptedCommitter(new KafkaException("unknown member")));
    commits.add(P0, 9);
    assertThat(commits.flush(Set.of(P0))).isTrue();
    assertThat(commits.isEmpty()).isTrue();
  }

  @Test
  void offsetsOfPartitionsNoLongerAssignedAreNotCommitted() {
    ScriptedCommitter c = new ScriptedCommitter();
    OffsetCommits commits = new OffsetCommits(c);
    commits.add(P0, 4);
    commits.add(P1, 7);
    commits.add(P1, 2);

    assertThat(commits.flush(Set.of(P1))).isTrue();
    assertThat(c.committed).containsExactly(Map.of(P1, new OffsetAndMetadata(7)));

    commits.add(P0, 8);
    commits.forget(Set.of(P0));
    assertThat(commits.isEmpty()).isTrue();
  }

  @Test
  void aWakeupIsPassedOnAndTheOffsetsStayDue() {
    OffsetCommits commits = new OffsetCommits(new ScriptedCommitter(new WakeupException()));
    commits.add(P0, 1);
    assertThatThrownBy(() -> commits.flush(Set.of(P0))).isInstanceOf(WakeupException.class);
    assertThat(commits.due()).containsEntry(P0, 1L);
  }
}

package dev.lumina.worker;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class RunningOffsetsTest {
  private static final TopicPartition TP = new TopicPartition("lumina.work.image.s", 0);

  private static ConsumerRecord<String, byte[]> at(long offset) {
    return new ConsumerRecord<>(TP.topic(), TP.partition(), offset, "k", new byte[0]);
  }

  @Test
  void jobsEndingOutOfOrderCommitOnlyPastTheOldestStillRunning() {
    RunningOffsets o = new RunningOffsets();
    o.started(at(5));
    o.started(at(6));
    o.started(at(7));
    o.finished(at(7));
    assertThat(o.committable(TP)).isEqualTo(5);
    o.finished(at(5));
    assertThat(o.committable(TP)).isEqualTo(6);
    o.finished(at(6));
    assertThat(o.committable(TP)).isEqualTo(8);
  }

  @Test
  void aJobNotRecordedHoldsCommitsBackUntilItRunsAgain() {
    RunningOffsets o = new RunningOffsets();
    o.started(at(10));
    o.started(at(11));
    o.failed(at(10));
    o.finished(at(11));
    assertThat(o.committable(TP)).as("not past the job to run again").isEqualTo(10);
    o.started(at(10));
    o.started(at(11));
    o.finished(at(10));
    assertThat(o.committable(TP)).isEqualTo(11);
    o.finished(at(11));
    assertThat(o.committable(TP)).isEqualTo(12);
  }
}

package dev.lumina.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.v1.JobState;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class SchedulerRecordsTest {
  private static final JobEnvelope ENV =
      JobEnvelope.newBuilder().setJobId("j1").setTenant("acme").setAcceptedAtMs(1_000).build();

  private static ConsumerRecord<String, byte[]> request(byte[] value) {
    return new ConsumerRecord<>(Topics.REQUESTS, 0, 7, "j1", value);
  }

  @Test
  void aRequestRecordGivesItsEnvelope() throws Exception {
    assertThat(SchedulerRecords.envelope(request(ENV.toByteArray()))).isEqualTo(ENV);
  }

  @Test
  void aRequestRecordWithoutAUsableJobSaysWhy() {
    assertThatThrownBy(() -> SchedulerRecords.envelope(request(null)))
        .isInstanceOf(SchedulerRecords.MalformedRecord.class)
        .hasMessageContaining("no value");
    assertThatThrownBy(() -> SchedulerRecords.envelope(request(new byte[] {(byte) 0xff, 1, 2})))
        .isInstanceOf(SchedulerRecords.MalformedRecord.class)
        .hasMessageContaining("not a valid lumina.cluster.v1.JobEnvelope");
    assertThatThrownBy(
            () ->
                SchedulerRecords.envelope(
                    request(ENV.toBuilder().clearJobId().build().toByteArray())))
        .isInstanceOf(SchedulerRecords.MalformedRecord.class)
        .hasMessage("a lumina.cluster.v1.JobEnvelope without job_id");
  }

  @Test
  void thePlacedEventNamesTheWorkTopicAndCarriesTheEnvelope() throws Exception {
    ProducerRecord<String, byte[]> r =
        SchedulerRecords.placedEvent(
            new PlacementQueue.Placement(ENV, "lumina.work.image.s"), 1_500);
    assertThat(r.topic()).isEqualTo(Topics.EVENTS);
    assertThat(r.key()).isEqualTo("j1");
    JobEvent e = JobEvent.parseFrom(r.value());
    assertThat(e.getState()).isEqualTo(JobState.QUEUED);
    assertThat(e.getWorkTopic()).isEqualTo("lumina.work.image.s");
    assertThat(e.getEnvelope()).isEqualTo(ENV);
    assertThat(e.getTenant()).isEqualTo("acme");
    assertThat(e.getAtMs()).isEqualTo(1_500);
    assertThat(e.getSource()).isEqualTo("scheduler");
  }

  @Test
  void aDroppedEventCarriesTheErrorAndTheTimeQueued() throws Exception {
    PlacementQueue.Dropped d =
        PlacementQueue.Dropped.of(ENV, "j1", JobState.CANCELLED, "cancelled while queued");
    JobEvent e = JobEvent.parseFrom(SchedulerRecords.droppedEvent(d, 4_000).value());
    assertThat(e.getState()).isEqualTo(JobState.CANCELLED);
    assertThat(e.getJob().getErrorMessage()).isEqualTo("cancelled while queued");
    assertThat(e.getJob().getErrorCode()).isEqualTo(d.code());
    assertThat(e.getJob().getTimings().getQueuedMs()).isEqualTo(3_000);
    assertThat(e.getJob().getTimings().getTotalMs()).isEqualTo(3_000);
    assertThat(e.getWorkTopic()).isEmpty();
  }
}

package dev.lumina.scheduler;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.lumina.proto.Jobs;
import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.v1.Job;
import dev.lumina.proto.v1.JobState;
import dev.lumina.proto.v1.Timings;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The scheduler's records on the wire: the job a {@code lumina.requests} record holds, and the
 * {@code lumina.events} records of a placement and of a job dropped before it ran (key = job id,
 * source {@code scheduler}). Stateless.
 */
final class SchedulerRecords {
  private SchedulerRecords() {}

  /** A record of {@code lumina.requests} that holds no usable job. */
  static final class MalformedRecord extends Exception {
    MalformedRecord(String reason) {
      super(reason);
    }
  }

  /** The job of a {@code lumina.requests} record; a missing value, bad bytes or no job id throw. */
  static JobEnvelope envelope(ConsumerRecord<String, byte[]> r) throws MalformedRecord {
    if (r.value() == null) {
      throw new MalformedRecord("no value; expected a lumina.cluster.v1.JobEnvelope");
    }
    JobEnvelope env;
    try {
      env = JobEnvelope.parseFrom(r.value());
    } catch (InvalidProtocolBufferException e) {
      throw new MalformedRecord(
          "not a valid lumina.cluster.v1.JobEnvelope (" + e.getMessage() + ")");
    }
    if (env.getJobId().isEmpty()) {
      throw new MalformedRecord("a lumina.cluster.v1.JobEnvelope without job_id");
    }
    return env;
  }

  /**
   * The PLACED event: state QUEUED with the work topic set, and the envelope, so a restarted
   * scheduler replaying the events knows the job was placed.
   */
  static ProducerRecord<String, byte[]> placedEvent(PlacementQueue.Placement p, long now) {
    JobEnvelope env = p.envelope();
    JobEvent e =
        JobEvent.newBuilder()
            .setJobId(env.getJobId())
            .setTenant(env.getTenant())
            .setState(JobState.QUEUED)
            .setAtMs(now)
            .setJob(Jobs.fromEnvelope(env, JobState.QUEUED))
            .setEnvelope(env)
            .setWorkTopic(p.workTopic())
            .setSource("scheduler")
            .build();
    return new ProducerRecord<>(Topics.EVENTS, env.getJobId(), e.toByteArray());
  }

  /**
   * The terminal event of a job dropped before it ran (cancelled, expired, refused), with its error
   * and the time it spent queued.
   */
  static ProducerRecord<String, byte[]> droppedEvent(PlacementQueue.Dropped d, long now) {
    JobEnvelope env = d.envelope();
    Job job =
        Jobs.fromEnvelope(env, d.state()).toBuilder()
            .setJobId(d.jobId())
            .setErrorCode(d.code())
            .setErrorMessage(d.message())
            .setTimings(
                Timings.newBuilder()
                    .setQueuedMs(Math.max(0, now - env.getAcceptedAtMs()))
                    .setTotalMs(Math.max(0, now - env.getAcceptedAtMs())))
            .build();
    JobEvent e =
        JobEvent.newBuilder()
            .setJobId(d.jobId())
            .setTenant(env.getTenant())
            .setState(d.state())
            .setAtMs(now)
            .setJob(job)
            .setEnvelope(env)
            .setSource("scheduler")
            .build();
    return new ProducerRecord<>(Topics.EVENTS, d.jobId(), e.toByteArray());
  }
}

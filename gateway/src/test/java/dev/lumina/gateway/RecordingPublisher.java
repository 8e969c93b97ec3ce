package dev.lumina.gateway;

import dev.lumina.proto.cluster.v1.ControlMessage;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.JobEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link JobPublisher} that records what it is given. Thread-safe. */
final class RecordingPublisher implements JobPublisher {
  final List<JobEnvelope> jobs = new CopyOnWriteArrayList<>();
  final List<JobEvent> events = new CopyOnWriteArrayList<>();
  final List<ControlMessage> controls = new CopyOnWriteArrayList<>();
  final List<JobEnvelope> republished = new CopyOnWriteArrayList<>();

  /** Called with each control message once recorded (e.g. to play the cluster's answer). */
  volatile java.util.function.Consumer<ControlMessage> onControl = m -> {};

  @Override
  public void publishJob(JobEnvelope envelope, JobEvent queued) {
    jobs.add(envelope);
    events.add(queued);
  }

  @Override
  public void republishJob(JobEnvelope envelope) {
    republished.add(envelope);
  }

  @Override
  public void publishControl(ControlMessage message) {
    controls.add(message);
    onControl.accept(message);
  }

  @Override
  public void close() {}
}

package dev.lumina.worker;

import dev.lumina.proto.cluster.v1.JobEvent;

/**
 * Where the runtime records job state: {@code lumina.events} and {@code lumina.dead-letter}.
 * Implementations are thread-safe.
 */
interface JobEventSink extends AutoCloseable {

  /** Records that a job started; best effort, does not wait. */
  void running(JobEvent event);

  /**
   * Records a job's terminal event and returns once it is durable ({@code acks=all}).
   *
   * @throws EventPublishException when it could not be made durable (the job's offset must then not
   *     be committed)
   */
  void terminal(JobEvent event) throws EventPublishException;

  /**
   * Copies a poison record to the dead-letter topic with its error, durably.
   *
   * @throws EventPublishException when it could not be made durable
   */
  void deadLetter(String key, byte[] value, String sourceTopic, long offset, String error)
      throws EventPublishException;

  @Override
  void close();
}

package dev.lumina.worker;

import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.v1.GenerationChunk;
import java.util.concurrent.CompletableFuture;

/**
 * Where the runtime records job state: {@code lumina.events} and {@code lumina.dead-letter}.
 * Implementations are thread-safe.
 */
interface JobEventSink extends AutoCloseable {

  /** Records that a job started; best effort, does not wait. */
  void running(JobEvent event);

  /**
   * Relays one chunk of a running job to {@code lumina.chunks}, where every gateway follows it;
   * best effort, does not wait. Frame, tile and audio bytes must already be replaced by their
   * artifact references ({@link JobRunner#reference}).
   */
  void chunk(GenerationChunk chunk);

  /**
   * Sends a job's terminal event without waiting for it.
   *
   * @return completes once the event is durable ({@code acks=all}), within the sink's timeout, or
   *     exceptionally with an {@link EventPublishException} when it could not be made durable (the
   *     job's offset must then not be committed)
   */
  CompletableFuture<Void> terminal(JobEvent event);

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

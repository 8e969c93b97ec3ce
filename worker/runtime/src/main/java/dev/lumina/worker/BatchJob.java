package dev.lumina.worker;

import dev.lumina.proto.cluster.v1.JobEnvelope;

/**
 * One job of a batch handed to {@link JobExecutor#runBatch}: its envelope, where its chunks go and
 * its own cancellation flag.
 */
public record BatchJob(JobEnvelope job, ChunkEmitter emitter, CancelToken cancel) {
  public BatchJob {
    if (job == null || emitter == null || cancel == null) {
      throw new IllegalArgumentException("job, emitter and cancel must be set");
    }
  }
}

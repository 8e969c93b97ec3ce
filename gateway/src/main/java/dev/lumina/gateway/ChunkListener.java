package dev.lumina.gateway;

import dev.lumina.proto.v1.GenerationChunk;
import io.grpc.Status;

/**
 * Receives one job's chunks in increasing {@code seq}, then exactly one {@link #onEnd}. Calls come
 * one at a time (under the job's lock), never concurrently; implementations must not block.
 */
interface ChunkListener {
  void onChunk(GenerationChunk chunk);

  /** The job ended: {@code OK} after a completed chunk, the failure's status after a failed one. */
  void onEnd(Status status);
}

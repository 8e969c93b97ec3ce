package dev.lumina.worker;

import dev.lumina.proto.v1.AudioSegment;
import dev.lumina.proto.v1.Frame;
import dev.lumina.proto.v1.Preview;
import dev.lumina.proto.v1.Progress;
import dev.lumina.proto.v1.Tile;

/**
 * Where a {@link JobExecutor} streams a job's chunks while it runs. The runtime stamps each chunk
 * with the job id and the next sequence number and delivers it to the job's gateway; delivery
 * problems never fail the job (the terminal event on {@code lumina.events} stays the record).
 *
 * <p>The terminal chunk ({@code completed} / {@code failed}) is the runtime's, not the executor's.
 * Called from the job's thread only; implementations need not be thread-safe.
 */
public interface ChunkEmitter {

  /** A sampling step finished. */
  void progress(Progress progress);

  /** A small picture of the current estimate. */
  void preview(Preview preview);

  /** A whole picture (frame / view / image) that fits in one tile. */
  void frame(Frame frame);

  /** One tile of a picture larger than the tile size. */
  void tile(Tile tile);

  /** A piece of audio. */
  void audio(AudioSegment segment);

  /** Every chunk emitted so far for this job, in order (what a checkpoint keeps). */
  default java.util.List<dev.lumina.proto.v1.GenerationChunk> emitted() {
    return java.util.List.of();
  }

  /**
   * Continues the job after the chunks an earlier attempt emitted (from its checkpoint): the next
   * chunk is numbered after the last of them, and they are resent to the gateway with it (it drops
   * what it has). Call before emitting anything.
   */
  default void resumeAfter(java.util.List<dev.lumina.proto.v1.GenerationChunk> earlier) {}
}

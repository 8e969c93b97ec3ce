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
}

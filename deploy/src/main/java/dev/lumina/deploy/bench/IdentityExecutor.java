package dev.lumina.deploy.bench;

import com.google.protobuf.ByteString;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.ModelCard;
import dev.lumina.proto.v1.Frame;
import dev.lumina.proto.v1.Progress;
import dev.lumina.worker.CancelToken;
import dev.lumina.worker.ChunkEmitter;
import dev.lumina.worker.JobExecutor;
import dev.lumina.worker.JobResult;
import java.util.List;
import java.util.Optional;

/**
 * A benchmark-only {@link JobExecutor} whose model costs nothing: one progress chunk and a fixed
 * 1×1 PNG per job, at once. It serves the card of a real model so the gateway validates requests as
 * usual. Used only by {@code lumina bench cluster}'s capacity phase, never by a serving role.
 * Stateless; thread-safe.
 */
final class IdentityExecutor implements JobExecutor {
  /** A 1×1 black PNG. */
  private static final ByteString PIXEL =
      ByteString.copyFrom(
          java.util.Base64.getDecoder()
              .decode(
                  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=="));

  /**
   * Jobs one identity worker runs at once: as many as a batching Flag-DiT worker takes by default,
   * so the phase measures the path, not one job thread's round trips.
   */
  static final int CONCURRENT_JOBS = 8;

  private final ModelCard card;

  IdentityExecutor(ModelCard card) {
    this.card = card;
  }

  @Override
  public int concurrentJobs() {
    return CONCURRENT_JOBS;
  }

  @Override
  public JobResult run(JobEnvelope job, ChunkEmitter emitter, CancelToken cancel) {
    emitter.progress(Progress.newBuilder().setStep(1).setTotal(1).setT(1f).build());
    emitter.frame(Frame.newBuilder().setIndex(0).setMediaType("image/png").setData(PIXEL).build());
    return new JobResult(List.of(), job.getSeed(), 0, 0, 1, 0);
  }

  @Override
  public Optional<ModelCard> modelCard() {
    return Optional.of(card);
  }
}

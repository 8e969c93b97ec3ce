package dev.lumina.worker.flagdit;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.lumina.artifacts.ArtifactNotFoundException;
import dev.lumina.artifacts.ArtifactStore;
import dev.lumina.artifacts.ArtifactStoreException;
import dev.lumina.artifacts.ArtifactStoreUnavailableException;
import dev.lumina.engine.sampling.SamplerState;
import dev.lumina.proto.cluster.v1.JobCheckpoint;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.v1.GenerationChunk;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints of running jobs in the artifact store, as {@value #NAME} of each job ({@link
 * JobCheckpoint}: the step, the latent, the chunks emitted so far): written every few steps or
 * seconds ({@link Policy}), read when a job starts (a redelivered job continues from its newest
 * checkpoint instead of from noise), deleted when it ends. A checkpoint that cannot be written or
 * read never fails a job: the job goes on, or starts over. Thread-safe (the store is).
 */
public final class Checkpoints {
  /** The artifact name of a job's checkpoint. */
  public static final String NAME = "checkpoint.pb";

  private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);

  /**
   * When to write: every {@code everySteps} steps, or at the first step {@code every} after the
   * last write (or the start); neither = never.
   */
  public record Policy(int everySteps, Duration every) {
    public static final Policy NEVER = new Policy(0, Duration.ZERO);

    public Policy {
      if (everySteps < 0 || every == null || every.isNegative()) {
        throw new IllegalArgumentException("checkpoint-every must be >= 0");
      }
    }

    /**
     * {@code N} (every N steps), {@code 30s}, {@code 500ms} or {@code 2m} (every so long), or
     * {@code 0}/{@code off} (never).
     *
     * @throws IllegalArgumentException naming the value when it is none of these
     */
    public static Policy parse(String text) {
      String v = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
      if (v.isEmpty() || v.equals("0") || v.equals("off")) {
        return NEVER;
      }
      try {
        if (v.endsWith("ms")) {
          return new Policy(0, Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2))));
        }
        if (v.endsWith("s")) {
          return new Policy(0, Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1))));
        }
        if (v.endsWith("m")) {
          return new Policy(0, Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1))));
        }
        int n = Integer.parseInt(v);
        if (n < 0) {
          throw new NumberFormatException();
        }
        return new Policy(n, Duration.ZERO);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "checkpoint-every: expected N (steps), a duration like 30s, 500ms or 2m, or off; got '"
                + text
                + "'",
            e);
      }
    }

    public boolean enabled() {
      return everySteps > 0 || !every.isZero();
    }

    @Override
    public String toString() {
      return !enabled()
          ? "off"
          : everySteps > 0 ? "every " + everySteps + " steps" : "every " + every.toMillis() + " ms";
    }
  }

  /** A checkpoint read back: where to continue and the chunks emitted before. */
  public record Resumed(SamplerState state, List<GenerationChunk> chunks) {}

  private final ArtifactStore store;
  private final Policy policy;
  private final Clock clock;

  public Checkpoints(ArtifactStore store, Policy policy, Clock clock) {
    this.store = store;
    this.policy = policy;
    this.clock = clock;
  }

  public Policy policy() {
    return policy;
  }

  public boolean enabled() {
    return policy.enabled();
  }

  /**
   * The newest checkpoint of {@code job}, if one exists and was written for the same request (same
   * fingerprint and seed) and latent size; anything else is ignored with a WARN.
   */
  Optional<Resumed> load(JobEnvelope job, long latentSize) {
    if (!enabled()) {
      return Optional.empty();
    }
    JobCheckpoint cp;
    try (InputStream in = store.open(store.locate(job.getJobId(), NAME))) {
      cp = JobCheckpoint.parseFrom(in);
    } catch (ArtifactNotFoundException e) {
      return Optional.empty();
    } catch (InvalidProtocolBufferException e) {
      LOG.warn("job {}: unreadable checkpoint, starting over: {}", job.getJobId(), e.getMessage());
      return Optional.empty();
    } catch (ArtifactStoreUnavailableException | IOException e) {
      LOG.warn(
          "job {}: cannot read its checkpoint, starting over: {}", job.getJobId(), e.toString());
      return Optional.empty();
    }
    if (!cp.getJobId().equals(job.getJobId())
        || !cp.getRequestFingerprint().equals(job.getRequestFingerprint())
        || cp.getSeed() != job.getSeed()
        || cp.getLatent().size() != latentSize * Float.BYTES
        || cp.getStep() < 1
        || cp.getStep() >= cp.getTotalSteps()) {
      LOG.warn("job {}: its checkpoint is of other parameters; starting over", job.getJobId());
      return Optional.empty();
    }
    float[] latent = new float[(int) latentSize];
    cp.getLatent()
        .asReadOnlyByteBuffer()
        .order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer()
        .get(latent);
    return Optional.of(new Resumed(new SamplerState(cp.getStep(), latent), cp.getChunksList()));
  }

  /** Decides, step by step, when one job's state is written, and writes it. */
  Writer writer(JobEnvelope job) {
    return new Writer(job);
  }

  /** Deletes the checkpoint of {@code jobId} (the job ended); a failure is only logged. */
  void delete(String jobId) {
    try {
      store.delete(jobId, NAME);
    } catch (ArtifactStoreUnavailableException | RuntimeException e) {
      LOG.warn("job {}: cannot delete its checkpoint: {}", jobId, e.toString());
    }
  }

  /** One job's checkpoint writes. Used from the sampling thread. */
  final class Writer {
    private final JobEnvelope job;
    private long lastMs;
    private int writes;

    private Writer(JobEnvelope job) {
      this.job = job;
      this.lastMs = clock.millis();
    }

    /**
     * Writes a checkpoint after {@code step} of {@code total} when the policy says so (never after
     * the last step: the job is about to end).
     */
    void maybeWrite(
        int step, int total, Supplier<float[]> latent, Supplier<List<GenerationChunk>> chunks) {
      if (!enabled() || step >= total) {
        return;
      }
      long now = clock.millis();
      boolean due =
          policy.everySteps() > 0
              ? step % policy.everySteps() == 0
              : now - lastMs >= policy.every().toMillis();
      if (!due) {
        return;
      }
      float[] x = latent.get();
      ByteBuffer b = ByteBuffer.allocate(x.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(x);
      JobCheckpoint cp =
          JobCheckpoint.newBuilder()
              .setJobId(job.getJobId())
              .setRequestFingerprint(job.getRequestFingerprint())
              .setSeed(job.getSeed())
              .setStep(step)
              .setTotalSteps(total)
              .setLatent(ByteString.copyFrom(b.array()))
              .addAllChunks(chunks.get())
              .setAtMs(now)
              .build();
      try {
        store.put(job.getJobId(), NAME, "application/x-protobuf", cp.toByteArray());
        writes++;
        lastMs = now;
      } catch (ArtifactStoreException | ArtifactStoreUnavailableException | RuntimeException e) {
        LOG.warn("job {}: cannot write a checkpoint at step {}: {}", job.getJobId(), step, e);
      }
    }

    /** Checkpoints written by this attempt. */
    int writes() {
      return writes;
    }
  }
}

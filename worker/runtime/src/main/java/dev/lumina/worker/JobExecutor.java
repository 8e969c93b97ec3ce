package dev.lumina.worker;

import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.ModelCard;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs one job from its envelope to stored artifacts: text encoding, sampling with a per-step
 * callback (progress, previews, cancellation), decoding and encoding. The runtime around it owns
 * Kafka, delivery and the job's terminal state.
 *
 * <p>The runtime calls {@link #run} from one dedicated job thread at a time; implementations need
 * not be thread-safe for concurrent runs unless documented.
 */
public interface JobExecutor extends AutoCloseable {

  /**
   * Runs {@code job}, streaming chunks to {@code emitter}, and returns its stored outputs.
   *
   * @throws JobCancelledException when {@code cancel} was set; the executor checks it at least once
   *     per sampling step
   * @throws JobFailedException when the job cannot be completed (its code goes to the client)
   */
  JobResult run(JobEnvelope job, ChunkEmitter emitter, CancelToken cancel)
      throws JobFailedException, JobCancelledException;

  /**
   * Jobs with equal keys may run together through {@link #runBatch} (same shape and sampling grid);
   * empty = this job always runs alone. Must not throw: a job the executor cannot plan runs alone
   * and fails in {@link #run}.
   */
  default Optional<Object> batchKey(JobEnvelope job) {
    return Optional.empty();
  }

  /**
   * Runs jobs that share a {@link #batchKey} together; returns one outcome per job, in order. A
   * cancelled job stops streaming and ends CANCELLED; the others go on. The default runs them one
   * after another through {@link #run}.
   */
  default List<JobOutcome> runBatch(List<BatchJob> jobs) {
    List<JobOutcome> out = new ArrayList<>();
    for (BatchJob b : jobs) {
      try {
        out.add(JobOutcome.succeeded(run(b.job(), b.emitter(), b.cancel())));
      } catch (JobCancelledException e) {
        out.add(JobOutcome.ofCancelled());
      } catch (JobFailedException e) {
        out.add(JobOutcome.failed(e));
      }
    }
    return out;
  }

  /**
   * How many jobs may run at once, each on its own thread through {@link #run} (the executor then
   * shares its device between them, e.g. by step-level batching); 1 = one job, or one batch of
   * {@link #batchKey}-equal jobs, at a time.
   */
  default int concurrentJobs() {
    return 1;
  }

  /**
   * What {@code job} takes of {@link #costBudget} while it runs (for a Flag-DiT job: the rows ×
   * tokens of its forwards); 0 = nothing.
   */
  default long jobCost(JobEnvelope job) {
    return 0;
  }

  /**
   * The most cost the running jobs may take together (one job is always admitted); 0 = no limit but
   * {@link #concurrentJobs}.
   */
  default long costBudget() {
    return 0;
  }

  /** The model this executor serves, announced on {@code lumina.models}; empty = not announced. */
  default Optional<ModelCard> modelCard() {
    return Optional.empty();
  }

  /** Releases the model. */
  @Override
  default void close() {}

  /**
   * Device memory of the model's weights, for the worker's metrics; -1 when the executor does not
   * say.
   */
  default long engineBytes() {
    return -1;
  }
}

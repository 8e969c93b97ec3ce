package dev.lumina.worker;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Cancellation flag of one running job. The runtime sets it when a cancel for the job arrives on
 * {@code lumina.control} or the worker shuts down hard; the executor checks it between sampling
 * steps (from the sampler's per-step callback), so a cancelled job stops within one step.
 *
 * <p>Thread-safe: set from the control thread, read from the job thread.
 */
public final class CancelToken {
  private final AtomicBoolean cancelled = new AtomicBoolean();

  /** Marks the job cancelled; idempotent. */
  public void cancel() {
    cancelled.set(true);
  }

  public boolean isCancelled() {
    return cancelled.get();
  }

  /** Throws {@link JobCancelledException} when the job has been cancelled. */
  public void throwIfCancelled() throws JobCancelledException {
    if (cancelled.get()) {
      throw new JobCancelledException();
    }
  }
}

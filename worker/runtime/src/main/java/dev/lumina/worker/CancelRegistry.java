package dev.lumina.worker;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which jobs are running on this worker and which were cancelled: a cancel for a running job sets
 * its {@link CancelToken}; a cancel for a job not (yet) running here is remembered (the most recent
 * {@value #REMEMBERED} ids) so the job is cancelled if it arrives later.
 *
 * <p>Thread-safe: the control thread cancels, the loop and job threads register and release.
 */
final class CancelRegistry {
  static final int REMEMBERED = 10_000;

  private final Map<String, CancelToken> running = new ConcurrentHashMap<>();
  private final Object lock = new Object();

  // Guarded by lock; insertion-ordered so the oldest id is dropped first.
  private final Map<String, Boolean> cancelled =
      new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > REMEMBERED;
        }
      };

  /** A token for a job about to run, already set when a cancel for it arrived earlier. */
  CancelToken register(String jobId) {
    CancelToken token = new CancelToken();
    running.put(jobId, token);
    synchronized (lock) {
      if (cancelled.containsKey(jobId)) {
        token.cancel();
      }
    }
    return token;
  }

  void release(String jobId) {
    running.remove(jobId);
  }

  /** Cancels the job if it runs here, and remembers the cancel either way. */
  void cancel(String jobId) {
    synchronized (lock) {
      cancelled.put(jobId, Boolean.TRUE);
    }
    CancelToken token = running.get(jobId);
    if (token != null) {
      token.cancel();
    }
  }

  /** Cancels every running job (hard shutdown). */
  void cancelAllRunning() {
    running.values().forEach(CancelToken::cancel);
  }
}

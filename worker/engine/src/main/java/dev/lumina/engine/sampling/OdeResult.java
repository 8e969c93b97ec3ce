package dev.lumina.engine.sampling;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * Outcome of an integration.
 *
 * @param last final state (or the state when stopped), in the initial state's manager
 * @param trajectory states at every grid point reached, the initial state first (empty unless
 *     requested)
 * @param completed false when a callback stopped sampling
 * @param stepsDone grid steps done
 * @param evaluations velocity evaluations made
 */
public record OdeResult(
    NDArray last, List<NDArray> trajectory, boolean completed, int stepsDone, int evaluations) {

  public OdeResult {
    trajectory = List.copyOf(trajectory);
  }
}

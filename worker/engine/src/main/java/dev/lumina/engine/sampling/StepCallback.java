package dev.lumina.engine.sampling;

import ai.djl.ndarray.NDArray;

/**
 * Called on the sampling thread after each grid step: {@code step} of {@code total} done, now at
 * time {@code t}, state {@code current} (valid only during the call; copy it to keep it). Return
 * false to stop sampling (cancellation); the result then holds the state reached.
 */
@FunctionalInterface
public interface StepCallback {

  StepCallback NONE = (step, total, t, current) -> true;

  boolean onStep(int step, int total, float t, NDArray current);
}

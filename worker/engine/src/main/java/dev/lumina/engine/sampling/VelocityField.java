package dev.lumina.engine.sampling;

import ai.djl.ndarray.NDArray;

/** The ODE right-hand side {@code v(x, t)}; returns an array shaped like {@code x}. */
@FunctionalInterface
public interface VelocityField {
  NDArray velocity(NDArray x, float t);
}

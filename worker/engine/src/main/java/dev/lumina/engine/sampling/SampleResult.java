package dev.lumina.engine.sampling;

import ai.djl.ndarray.NDArray;

/**
 * A sampled latent ({@code layout.latentShape(C)}: {@code [C, h, w]}, {@code [F, C, h, w]} or
 * {@code [C, T]}) in the caller's manager; {@code completed} is false when a callback stopped it.
 */
public record SampleResult(NDArray latent, boolean completed, int stepsDone) {}

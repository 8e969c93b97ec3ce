/**
 * The engine's entry points for callers that never touch a tensor: {@link
 * dev.lumina.engine.Generator} loads a model directory and samples {@link
 * dev.lumina.engine.Generation}s into host float arrays ({@link dev.lumina.engine.Generated}),
 * reporting every step to a {@link dev.lumina.engine.StepListener}; {@link
 * dev.lumina.engine.Engines} sets process-wide engine options; {@link
 * dev.lumina.engine.RandomModel} writes the smallest servable model for tests and benchmarks.
 *
 * <p>The packages below are the model itself ({@code model}, {@code attention}, {@code sampling},
 * {@code text}, {@code checkpoint}, {@code media}) on DJL's engine-neutral API; {@code pytorch} is
 * the only one that names DJL's PyTorch engine. The engine imports no Kafka and no gRPC.
 */
package dev.lumina.engine;

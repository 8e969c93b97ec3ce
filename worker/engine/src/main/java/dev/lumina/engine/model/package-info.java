/**
 * The Flag-DiT model on DJL (flag-dit-spec): {@link dev.lumina.engine.model.FlagDit} loads or
 * initialises a model and runs its forward; {@link dev.lumina.engine.model.TokenLayout} maps image,
 * video, multi-view and audio latents to one token sequence (counts equal {@code
 * dev.lumina.proto.TokenBudget}); {@link dev.lumina.engine.model.ForwardOptions} carries the
 * resolution-extrapolation switches and {@link dev.lumina.engine.model.Guidance} the CFG channel
 * rule. Attention is pluggable through {@link dev.lumina.engine.attention.AttentionKernel}.
 *
 * <p>Nothing here assumes a CPU: every array lives on the device of the manager it was created in,
 * and models are loaded onto a caller-given {@code ai.djl.Device}.
 */
package dev.lumina.engine.model;

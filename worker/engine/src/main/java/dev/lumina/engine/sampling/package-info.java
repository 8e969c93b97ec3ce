/**
 * Sampling the flow ODE {@code dx/dt = v(x, t)} from t = 0 (noise) to t = 1 (data) (flag-dit-spec
 * §9): {@link dev.lumina.engine.sampling.OdeIntegrator} runs euler, midpoint, rk4 (3/8 rule) or
 * adaptive dopri5 over a float32 {@link dev.lumina.engine.sampling.TimeGrid}; {@link
 * dev.lumina.engine.sampling.FlagDitSampler} samples jobs with CFG from noise drawn from each job's
 * own seed ({@link dev.lumina.engine.sampling.SeededNoise}), so a job's output does not depend on
 * its batch. A {@link dev.lumina.engine.sampling.StepCallback} sees every step and may stop it.
 * Each step runs in a sub-manager, so sampling holds O(1) arrays regardless of step count.
 */
package dev.lumina.engine.sampling;

/**
 * One Flag-DiT job across several ranks (a shard group): {@link
 * dev.lumina.engine.parallel.ParallelDegrees} says how a job is split (CFG-parallel × Ulysses
 * sequence-parallel), {@link dev.lumina.engine.parallel.Collective} is the transport SPI the engine
 * runs a rank's part over (plain Java: bytes to rank r, every call counted), {@link
 * dev.lumina.engine.parallel.LocalGroup} its in-process implementation (ranks as threads) and
 * {@link dev.lumina.engine.parallel.ShardMesh} the two groups a rank belongs to. The network
 * transport between worker processes lives in the worker runtime, never here.
 */
package dev.lumina.engine.parallel;

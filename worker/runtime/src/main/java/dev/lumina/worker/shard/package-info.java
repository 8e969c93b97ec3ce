/**
 * The network transport of shard groups: {@link dev.lumina.worker.shard.ShardServer} receives
 * frames from peers, {@link dev.lumina.worker.shard.GrpcCollective} runs the engine's {@link
 * dev.lumina.engine.parallel.Collective} calls over one long-lived gRPC stream per peer (tensors as
 * raw little-endian bytes in chunks of at most 1 MiB, flow-controlled, a deadline on every call).
 */
package dev.lumina.worker.shard;

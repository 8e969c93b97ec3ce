/**
 * Checkpoint files: a safetensors reader and writer written for Flag-DiT weights, and the loader
 * that merges tensor-parallel shards ({@code consolidated.RR-of-WW.safetensors}).
 *
 * <p>Tensors are read into host memory as float32 ({@link
 * dev.lumina.engine.checkpoint.HostTensor}); F16 and BF16 are widened in Java because DJL's PyTorch
 * engine aborts the JVM on BF16 arrays. The data section is memory-mapped one tensor at a time, so
 * files over 2 GiB never need one Java array. Every format problem raises {@link
 * dev.lumina.engine.checkpoint.CheckpointFormatException} naming the file and the tensor. No class
 * here touches an accelerator.
 */
package dev.lumina.engine.checkpoint;

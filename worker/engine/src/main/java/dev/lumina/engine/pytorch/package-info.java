/**
 * What only DJL's PyTorch engine offers, in one place: loading the engine, devices, intra-op
 * threads and grad mode ({@link dev.lumina.engine.pytorch.PyTorch}), and TorchScript modules
 * written from Java and called through libtorch ({@link
 * dev.lumina.engine.pytorch.TorchScriptArchive}, {@link dev.lumina.engine.pytorch.ScriptedModule}).
 */
package dev.lumina.engine.pytorch;

package dev.lumina.engine.model;

/** A network whose forward can run on either engine ({@link FlagDit}, the LLaMA text encoder). */
public interface EngineSwitchable {

  /**
   * Runs later forwards on {@code engine} in {@code precision}; see the implementations for what a
   * bf16 switch releases.
   *
   * @throws IllegalArgumentException for eager bf16
   * @throws ai.djl.engine.EngineException if libtorch rejects a compiled module
   */
  void useEngine(EngineKind engine, Precision precision);
}

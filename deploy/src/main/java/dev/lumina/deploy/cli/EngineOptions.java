package dev.lumina.deploy.cli;

import dev.lumina.engine.Engines;
import dev.lumina.engine.model.EngineKind;
import dev.lumina.engine.model.Precision;
import picocli.CommandLine.Option;

/**
 * {@code --engine compiled|eager} and {@code --dtype fp32|bf16}: how the Flag-DiT forward runs in
 * the models this command loads (see {@link Engines#setEngine}).
 */
final class EngineOptions {
  @Option(
      names = "--engine",
      paramLabel = "compiled|eager",
      defaultValue = "${env:LUMINA_ENGINE:-compiled}",
      description =
          "Engine of Flag-DiT, the LLaMA text encoder and the VAE decoder: compiled (each as"
              + " one TorchScript module, one native call per forward) or eager (one engine call"
              + " per op, the reference path) (default: ${DEFAULT-VALUE}).")
  String engine;

  @Option(
      names = "--dtype",
      paramLabel = "fp32|bf16",
      defaultValue = "${env:LUMINA_DTYPE:-fp32}",
      description =
          "Flag-DiT and text encoder arithmetic: fp32, or bf16 (weights and matmul/attention"
              + " inputs in bfloat16, norms, softmax and the sampler state in float32; needs"
              + " --engine compiled; the VAE decodes in fp32 either way)"
              + " (default: ${DEFAULT-VALUE}).")
  String dtype;

  /**
   * Parses both flags and makes them the process's engine settings.
   *
   * @throws IllegalArgumentException naming the flag and its accepted values
   */
  void apply() {
    EngineKind kind;
    Precision precision;
    try {
      kind = EngineKind.parse(engine);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--engine must be compiled or eager, got '" + engine + "'");
    }
    try {
      precision = Precision.parse(dtype);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--dtype must be fp32 or bf16, got '" + dtype + "'");
    }
    Engines.setEngine(kind, precision);
  }
}

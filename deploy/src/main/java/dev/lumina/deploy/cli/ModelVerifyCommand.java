package dev.lumina.deploy.cli;

import dev.lumina.training.verify.ModelVerifier;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lumina model verify --dir DIR}: compares the engine with reference vectors
 * (model.safetensors, inputs.safetensors, outputs.safetensors in DIR), one line per tensor; exit
 * code 0 when every compared tensor is within tolerance, 1 otherwise.
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description =
        "Check the engine against reference vectors in a directory: a Flag-DiT set, a LLaMA text"
            + " encoder set, a VAE decoder set or a whole release bundle, told apart by their"
            + " files.")
final class ModelVerifyCommand implements Callable<Integer> {

  @Option(
      names = "--dir",
      required = true,
      description =
          "Vector set: inputs.safetensors, outputs.safetensors and the model files"
              + " (model.safetensors, text_encoder/, vae/, or transformer/ + text_encoder/ +"
              + " vae/).")
  private Path dir;

  @Mixin EngineOptions engine;

  @Override
  public Integer call() {
    try {
      engine.apply();
    } catch (IllegalArgumentException e) {
      System.err.println("lumina model verify: " + e.getMessage());
      return 2;
    }
    return new ModelVerifier().verify(dir, System.out);
  }
}

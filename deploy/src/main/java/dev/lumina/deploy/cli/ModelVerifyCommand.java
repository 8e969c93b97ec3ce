package dev.lumina.deploy.cli;

import dev.lumina.training.verify.ModelVerifier;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lumina model verify --dir DIR}: compares the engine with reference vectors
 * (model.safetensors, inputs.safetensors, outputs.safetensors in DIR), one line per tensor; exit
 * code 0 when every compared tensor is within tolerance, 1 otherwise.
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = "Check the Flag-DiT engine against reference vectors in a directory.")
final class ModelVerifyCommand implements Callable<Integer> {

  @Option(
      names = "--dir",
      required = true,
      description = "Directory with model.safetensors, inputs.safetensors and outputs.safetensors.")
  private Path dir;

  @Override
  public Integer call() {
    return new ModelVerifier().verify(dir, System.out);
  }
}

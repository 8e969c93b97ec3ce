package dev.lumina.deploy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code lumina model}: model tools; each is a subcommand. */
@Command(
    name = "model",
    mixinStandardHelpOptions = true,
    description = "Model tools (verification against reference vectors).",
    subcommands = {ModelVerifyCommand.class})
final class ModelCommand implements Runnable {

  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  /** Without a subcommand, print the list of model tools. */
  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}

package dev.lumina.deploy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code lumina keys}: API key tools for a gateway's key file; each is a subcommand. */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = "API keys: create a key for a tenant, list the keys of a key file.",
    subcommands = {KeysAddCommand.class, KeysListCommand.class})
final class KeysCommand implements Runnable {

  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  /** Without a subcommand, print the list of key tools. */
  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}

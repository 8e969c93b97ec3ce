package dev.lumina.deploy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code lumina bench}: the benchmark group; each benchmark is a subcommand. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks that print their figures.",
    subcommands = {
      BenchModelCommand.class,
      BenchClusterCommand.class,
      BenchParallelCommand.class,
      BenchBatchingCommand.class
    })
final class BenchCommand implements Runnable {

  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  /** Without a subcommand, print the list of benchmarks. */
  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}

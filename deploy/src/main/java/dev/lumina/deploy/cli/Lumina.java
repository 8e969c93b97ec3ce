package dev.lumina.deploy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code lumina} launcher: the project's one composition root.
 *
 * <p>Every role (broker, gateway, scheduler, worker, all-in-one serve) and every tool (generate,
 * bench, eval) is a picocli subcommand listed below; each subcommand builds its own immutable
 * config from flags and environment and wires plain constructors. Adding a subcommand is one line
 * in {@code subcommands}.
 *
 * <p>Exit codes: 0 success, 1 runtime failure reported by a subcommand, 2 bad command line.
 */
@Command(
    name = "lumina",
    mixinStandardHelpOptions = true,
    versionProvider = LuminaVersion.class,
    description = "Lumina Serve: a gRPC serving cluster for Lumina-T2X Flag-DiT.",
    subcommands = {
      CommandLine.HelpCommand.class,
      KafkaCommand.class,
      GatewayCommand.class,
      SchedulerCommand.class,
      BenchCommand.class,
      ModelCommand.class,
      WorkerCommand.class,
      GenerateCommand.class,
      BatchCommand.class,
      ServeCommand.class,
      TrainCommand.class,
      EvalCommand.class,
      DemoCommand.class,
      GalleryCommand.class,
      KeysCommand.class,
    })
public final class Lumina implements Runnable {

  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  /** Runs the launcher with the given arguments and exits the JVM with the command's exit code. */
  public static void main(String[] args) {
    System.exit(newCommandLine().execute(args));
  }

  /**
   * Builds the command line for the launcher; tests call {@code execute} on it without exiting the
   * JVM.
   */
  public static CommandLine newCommandLine() {
    return new CommandLine(new Lumina());
  }

  /** Without a subcommand, print usage: there is no default role. */
  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}

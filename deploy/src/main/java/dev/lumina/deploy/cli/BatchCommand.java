package dev.lumina.deploy.cli;

import dev.lumina.deploy.client.BatchRunner;
import dev.lumina.deploy.tls.ClientTls;
import dev.lumina.deploy.tls.TlsFileException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lumina batch prompts.jsonl --out DIR}: one {@code GenerateRequest} in proto3 JSON per
 * line, run with bounded concurrency, outputs and {@code results.jsonl} under {@code --out};
 * resumable ({@link BatchRunner}). The TLS flags are those of {@code lumina generate}.
 *
 * <p>Exit codes: 0 every line succeeded; 3 some lines failed (see results.jsonl); 1 the batch could
 * not run (no server, interrupted); 2 bad command line or unreadable input file.
 */
@Command(
    name = "batch",
    mixinStandardHelpOptions = true,
    description = "Generate every request of a JSON-lines file; rerun to resume.")
final class BatchCommand implements Callable<Integer> {

  @Parameters(
      index = "0",
      paramLabel = "PROMPTS.jsonl",
      description = "One GenerateRequest (proto3 JSON) per line.")
  Path prompts;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Outputs and results.jsonl.")
  Path out;

  @Option(
      names = "--concurrency",
      paramLabel = "N",
      defaultValue = "4",
      description = "Most jobs in flight (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(
      names = "--server",
      paramLabel = "HOST:PORT",
      defaultValue = "${env:LUMINA_SERVER:-127.0.0.1:8443}",
      description = "Gateway address (default: ${DEFAULT-VALUE}).")
  String server;

  @Option(
      names = "--api-key",
      paramLabel = "KEY",
      defaultValue = "${env:LUMINA_API_KEY}",
      description = "Sent as x-api-key.")
  String apiKey;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "3600",
      description = "Longest wait for one line's job (default: ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  @Mixin TlsOptions.Client tls;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isReadable(prompts)) {
      err.println("lumina batch: cannot read " + prompts);
      return 2;
    }
    if (concurrency < 1) {
      err.println("lumina batch: --concurrency must be >= 1, got " + concurrency);
      return 2;
    }
    ClientTls transport;
    try {
      transport = tls.load();
    } catch (TlsFileException e) {
      err.println("lumina batch: " + e.getMessage());
      return 2;
    }
    try {
      return new BatchRunner(
              server,
              apiKey,
              concurrency,
              timeoutSeconds,
              err,
              System.console() != null,
              transport.credentials())
          .run(prompts, out)
          .exitCode();
    } catch (IOException e) {
      err.println("lumina batch: " + e.getMessage());
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("lumina batch: interrupted; rerun the same command to resume");
      return 1;
    }
  }
}

package dev.lumina.deploy.cli;

import dev.lumina.deploy.client.GenerateClient;
import dev.lumina.deploy.client.GenerateOptions;
import dev.lumina.deploy.tls.ClientTls;
import dev.lumina.deploy.tls.TlsFileException;
import dev.lumina.proto.v1.GenerateRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lumina generate "prompt" --out DIR}: the client. Sends one {@code Generate} request with a
 * flag for every request field ({@link GenerateOptions}), draws a progress bar with step and ETA on
 * stderr, writes each frame / view / image (tiles reassembled) as PNG and each audio segment as WAV
 * under {@code --out}, and prints the written paths on stdout, one per line ({@link
 * GenerateClient}). {@code --tls-ca FILE} (or {@code --tls} for the system's CAs) connects over
 * TLS; {@code --tls-cert}/{@code --tls-key} present a client certificate (mutual TLS).
 *
 * <p>Exit codes: 0 done; 1 refused or failed (the status code and the server's message on stderr),
 * or no server at the address; 2 bad command line.
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Generate an image, video, multi-view set or audio clip from a prompt.")
final class GenerateCommand implements Callable<Integer> {

  @Mixin GenerateOptions options;

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

  @Option(names = "--model", description = "Model name (default: the server's).")
  String model = "";

  @Mixin TlsOptions.Client tls;

  @Spec CommandSpec spec;

  /** The request the flags describe. */
  GenerateRequest request() {
    return options.request(model);
  }

  @Override
  public Integer call() {
    ClientTls transport;
    try {
      transport = tls.load();
    } catch (TlsFileException e) {
      spec.commandLine().getErr().println("lumina generate: " + e.getMessage());
      return 2;
    }
    GenerateClient client =
        new GenerateClient(
            "lumina generate",
            spec.commandLine().getOut(),
            spec.commandLine().getErr(),
            transport.credentials());
    return client
        .generate(
            server,
            apiKey,
            options.timeoutSeconds(),
            request(),
            options.out(),
            options.savePreviews())
        .exitCode();
  }
}

package dev.lumina.deploy.cli;

import dev.lumina.deploy.client.GenerateClient;
import dev.lumina.deploy.client.GenerateOptions;
import dev.lumina.deploy.cluster.ClusterSettings;
import dev.lumina.deploy.cluster.EmbeddedCluster;
import dev.lumina.deploy.demo.QuietLogs;
import dev.lumina.deploy.demo.ShippedModel;
import dev.lumina.deploy.demo.TempDataDir;
import dev.lumina.engine.ModelLayout;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lumina demo "prompt" [--out DIR]}: one generation with nothing else running. Starts the
 * whole cluster in this JVM the way {@code lumina serve} does ({@link EmbeddedCluster}: broker,
 * scheduler, worker, gateway), on free loopback ports with its data in a temporary folder so it
 * never collides with a running {@code serve}; sends the prompt through the public gRPC API with
 * the same client and flags as {@code lumina generate} ({@link GenerateClient}, {@link
 * GenerateOptions}): progress bar on stderr, files under {@code --out}, their paths on stdout; then
 * shuts everything down and deletes the temporary folder. Without {@code --model} it serves the
 * model shipped in the repository ({@link ShippedModel}).
 *
 * <p>Exit codes: 0 done; 1 the cluster did not start or the job was refused or failed; 2 bad
 * command line or model.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Start the whole cluster in this process, generate from a prompt, write the files, stop.",
      "Takes every flag of `lumina generate` except --server and --api-key; --model names a model"
          + " directory."
    })
final class DemoCommand implements Callable<Integer> {

  @Mixin GenerateOptions options;

  @Mixin ModelOptions model;

  @Mixin EngineOptions engine;

  @Option(
      names = "--verbose",
      description = "Show the cluster's log lines (quieted to errors by default).")
  boolean verbose;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    QuietLogs quiet = verbose ? null : QuietLogs.open();
    try {
      return demo(out, err);
    } finally {
      if (quiet != null) {
        quiet.close();
      }
      out.flush();
      err.flush();
    }
  }

  private int demo(PrintWriter out, PrintWriter err) {
    ModelLayout modelDir;
    try {
      modelDir = model.layoutOrShipped();
      engine.apply();
    } catch (IllegalArgumentException e) {
      err.println("lumina demo: " + e.getMessage());
      return 2;
    }
    TempDataDir data;
    try {
      data = TempDataDir.create("lumina-demo");
    } catch (UncheckedIOException e) {
      err.println("lumina demo: " + e.getMessage());
      return 1;
    }
    try (data) {
      err.println(
          "lumina demo: starting Kafka, scheduler, worker and gateway with "
              + modelDir.root()
              + " …");
      err.flush();
      long t0 = System.nanoTime();
      EmbeddedCluster cluster;
      try {
        cluster =
            EmbeddedCluster.start(ClusterSettings.ephemeral(modelDir, data.path(), "demo"), err);
      } catch (EmbeddedCluster.ModelLoadException e) {
        err.println("lumina demo: --model " + e.getMessage());
        return 2;
      } catch (EmbeddedCluster.StartException e) {
        err.println("lumina demo: the cluster did not start: " + e.getMessage());
        return 1;
      }
      Thread onSignal =
          new Thread(
              () -> {
                cluster.close();
                data.close();
              },
              "lumina-demo-shutdown");
      Runtime.getRuntime().addShutdownHook(onSignal);
      try (cluster) {
        err.printf(
            "lumina demo: model %s ready on 127.0.0.1:%d in %.1f s%n",
            cluster.model().getName(), cluster.gatewayPort(), (System.nanoTime() - t0) / 1e9);
        err.flush();
        return new GenerateClient("lumina demo", out, err)
            .generate(
                "127.0.0.1:" + cluster.gatewayPort(),
                null,
                options.timeoutSeconds(),
                options.request(""),
                options.out(),
                options.savePreviews())
            .exitCode();
      } finally {
        removeHook(onSignal);
      }
    }
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down: the hook does the closing.
    }
  }
}

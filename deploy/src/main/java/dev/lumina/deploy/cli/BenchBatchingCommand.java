package dev.lumina.deploy.cli;

import dev.lumina.deploy.bench.BatchingBenchmark;
import dev.lumina.deploy.demo.ShippedModel;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lumina bench batching}: same-shape jobs one at a time against the same jobs arriving
 * spread over time and sharing forwards (step-level continuous batching): throughput, latency
 * against a lone job, and whether each result is its lone run's, with the goals.
 */
@Command(
    name = "batching",
    mixinStandardHelpOptions = true,
    description =
        "Measure step-level continuous batching: jobs one at a time vs the same jobs arriving"
            + " spread over time and sharing forwards (throughput, latency, identical results).")
final class BenchBatchingCommand implements Callable<Integer> {

  @Option(
      names = "--model",
      paramLabel = "DIR",
      description = "Model directory (default: the shipped model).")
  Path model;

  @Option(
      names = "--jobs",
      defaultValue = "8",
      description = "Concurrent jobs (default: ${DEFAULT-VALUE}).")
  int jobs;

  @Option(
      names = "--steps",
      defaultValue = "30",
      description = "Sampling steps per job (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--side",
      defaultValue = "32",
      description = "Latent side of each picture (default: ${DEFAULT-VALUE}).")
  int side;

  @Option(
      names = "--spread",
      defaultValue = "0.25",
      description =
          "Arrival interval as a fraction of a lone job's time, 0 = all at once (default:"
              + " ${DEFAULT-VALUE}).")
  double spread;

  @Option(
      names = "--batch-tokens",
      defaultValue = "" + BatchingOptions.DEFAULT_BATCH_TOKENS,
      description = "Token budget of one forward (default: ${DEFAULT-VALUE}).")
  long batchTokens;

  @Mixin EngineOptions engine;

  @Override
  public Integer call() throws Exception {
    BatchingBenchmark.Settings s;
    try {
      engine.apply();
      s =
          new BatchingBenchmark.Settings(
              ShippedModel.orShipped(model), jobs, steps, side, spread, batchTokens);
    } catch (IllegalArgumentException e) {
      System.err.println("lumina bench batching: " + e.getMessage());
      return 2;
    }
    BatchingBenchmark.Report r = BatchingBenchmark.run(s, System.out);
    boolean throughput = r.throughputRatio() >= 2.0;
    boolean latency = r.latencyRatio() <= 1.3;
    System.out.printf(
        Locale.ROOT,
        "throughput x%.2f of one at a time (goal >= 2.0: %s)%n"
            + "latency p50 %.1f ms = x%.2f a lone job's %.1f ms (goal <= 1.3: %s), max %.1f ms%n"
            + "results identical to the lone run: %d of %d%n",
        r.throughputRatio(),
        throughput ? "met" : "NOT MET",
        r.latencyP50Ms(),
        r.latencyRatio(),
        r.loneMs(),
        latency ? "met" : "NOT MET",
        r.latencyMaxMs(),
        r.identical(),
        r.jobs());
    return r.identical() == r.jobs() ? 0 : 1;
  }
}

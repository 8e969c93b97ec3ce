package dev.lumina.deploy.cli;

import dev.lumina.deploy.demo.ShippedModel;
import dev.lumina.engine.Engines;
import dev.lumina.training.bench.BenchmarkReport;
import dev.lumina.training.bench.DecodeBenchmark;
import dev.lumina.training.bench.ModelBenchmark;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lumina bench model}: the engine's fp32 matmul rate and the Flag-DiT forward (d384/h6/L8 at
 * 272 and 1056 tokens, d768/h12/L12 at 1056, batch 2, random weights) in one run, printed as a
 * table of ms per forward, achieved GFLOP/s and the ratio to the matmul rate.
 */
@Command(
    name = "model",
    mixinStandardHelpOptions = true,
    description = "Time the Flag-DiT forward against the engine's fp32 matmul rate.")
final class BenchModelCommand implements Callable<Integer> {

  @Option(
      names = "--warmup",
      defaultValue = "1",
      description = "Untimed forwards per config (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--reps",
      defaultValue = "5",
      description =
          "Timed forwards per config; the median is reported (default: ${DEFAULT-VALUE}).")
  int reps;

  @Option(
      names = "--matmul-size",
      defaultValue = "2048",
      description = "Side of the square fp32 matmul used as the roof (default: ${DEFAULT-VALUE}).")
  int matmulSize;

  @Option(
      names = "--matmul-reps",
      defaultValue = "9",
      description = "Timed matmuls; the median is reported (default: ${DEFAULT-VALUE}).")
  int matmulReps;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Seed for weights and inputs (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--device",
      paramLabel = "DEVICE",
      defaultValue = "${env:LUMINA_DEVICE:-}",
      description = "Engine device such as cpu or gpu0 (default: the engine's default device).")
  String device;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description = "Intra-op threads, 0 = the engine's default (default: ${DEFAULT-VALUE}).")
  int threads;

  @Mixin EngineOptions engine;

  @Option(
      names = "--sampling-steps",
      defaultValue = "30",
      description =
          "Steps of the sampling phase on the shipped model (or --model), 0 = skip it"
              + " (default: ${DEFAULT-VALUE}).")
  int samplingSteps;

  @Option(
      names = "--sampling-reps",
      defaultValue = "3",
      description =
          "Timed generations per engine mode; the median is reported (default: ${DEFAULT-VALUE}).")
  int samplingReps;

  @Option(
      names = "--sampling-side",
      defaultValue = "32",
      description =
          "Latent side of the sampling phase (the shipped model samples 32 x 32 pixels)"
              + " (default: ${DEFAULT-VALUE}).")
  int samplingSide;

  @Option(
      names = "--model",
      paramLabel = "DIR",
      description = "Model of the sampling phase (default: the shipped model).")
  java.nio.file.Path samplingModel;

  @Option(
      names = "--vae-side",
      defaultValue = "32",
      description =
          "Latent side of the VAE decode phase (per op vs compiled, SDXL's decoder layout at a"
              + " quarter of its widths), 0 = skip it (default: ${DEFAULT-VALUE}).")
  int vaeSide;

  @Override
  public Integer call() {
    ModelBenchmark.Settings settings;
    try {
      engine.apply();
      if (threads < 0) {
        throw new IllegalArgumentException("--threads must be >= 0, got " + threads);
      }
      settings =
          new ModelBenchmark.Settings(
              warmup, reps, matmulSize, matmulReps, seed, ModelBenchmark.Settings.standardCases());
    } catch (IllegalArgumentException e) {
      System.err.println("lumina bench model: " + e.getMessage());
      return 2;
    }
    if (samplingSteps != 0 && samplingSteps < 2) {
      System.err.println(
          "lumina bench model: --sampling-steps must be 0 or >= 2, got " + samplingSteps);
      return 2;
    }
    if (samplingSide < 2 || samplingSide > 512) {
      System.err.println(
          "lumina bench model: --sampling-side must be in [2, 512], got " + samplingSide);
      return 2;
    }
    if (samplingReps < 1) {
      System.err.println("lumina bench model: --sampling-reps must be >= 1, got " + samplingReps);
      return 2;
    }
    if (vaeSide < 0 || vaeSide > 256) {
      System.err.println("lumina bench model: --vae-side must be in [0, 256], got " + vaeSide);
      return 2;
    }
    Engines.setThreads(threads);
    BenchmarkReport report = ModelBenchmark.run(settings, device, System.out);
    if (vaeSide > 0) {
      report =
          report.withDecoding(
              DecodeBenchmark.run(vaeSide, Math.max(1, reps), device, seed, System.out));
    }
    if (samplingSteps > 0) {
      java.nio.file.Path dir;
      try {
        dir = ShippedModel.orShipped(samplingModel);
      } catch (IllegalArgumentException e) {
        System.err.println("lumina bench model: --model " + e.getMessage());
        return 2;
      }
      try {
        report =
            report.withSampling(
                ModelBenchmark.sampling(
                    dir, samplingSide, samplingSteps, samplingReps, System.out));
      } catch (java.io.IOException e) {
        System.err.println("lumina bench model: " + e.getMessage());
        return 1;
      }
    }
    System.out.println();
    System.out.print(report.table());
    return 0;
  }
}

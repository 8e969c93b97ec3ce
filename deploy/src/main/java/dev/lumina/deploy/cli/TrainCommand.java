package dev.lumina.deploy.cli;

import dev.lumina.engine.Engines;
import dev.lumina.training.TrainConfig;
import dev.lumina.training.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lumina train}: trains the shipped synthetic-world model (pixel-space Flag-DiT plus its
 * small text encoder) from scratch with the seeded recipe of {@link TrainConfig#shipped()},
 * printing progress and loss. Every {@code --checkpoint-every} steps it saves a resumable state
 * under {@code --out} and re-exports the EMA model to {@code --export}; {@code --resume} continues
 * an interrupted run from its last state.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Train the synthetic-shapes Flag-DiT from scratch (seeded, resumable).")
final class TrainCommand implements Callable<Integer> {

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Work directory: resumable state (train-state.safetensors) and loss.csv.")
  Path out;

  @Option(
      names = "--export",
      paramLabel = "DIR",
      description = "Model directory rewritten at every checkpoint (default: models/<model name>).")
  Path export;

  @Option(
      names = "--steps",
      defaultValue = "0",
      description =
          "Total optimiser steps, 0 = the recipe's (default: the recipe's "
              + TrainConfig.SHIPPED_STEPS
              + ").")
  long steps;

  @Option(
      names = "--resume",
      description = "Continue from the state in --out instead of starting over.")
  boolean resume;

  @Option(
      names = "--init-from",
      paramLabel = "DIR",
      description =
          "Start at the recipe's second stage from a model it exported at that stage's first step"
              + " (e.g. a copy of the step-12000 export) instead of from scratch; ends on the same"
              + " weights.")
  Path initFrom;

  @Option(
      names = "--checkpoint-every",
      defaultValue = "0",
      description = "Steps between checkpoints and exports, 0 = the recipe's (default: 100).")
  int checkpointEvery;

  @Option(
      names = "--log-every",
      defaultValue = "10",
      description = "Steps between progress lines (default: ${DEFAULT-VALUE}).")
  int logEvery;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description = "Intra-op threads, 0 = the engine's default (default: ${DEFAULT-VALUE}).")
  int threads;

  @Override
  public Integer call() {
    TrainConfig config;
    try {
      if (threads < 0) {
        throw new IllegalArgumentException("--threads must be >= 0, got " + threads);
      }
      if (steps < 0) {
        throw new IllegalArgumentException("--steps must be >= 0, got " + steps);
      }
      if (initFrom != null && resume) {
        throw new IllegalArgumentException(
            "--init-from and --resume exclude each other: --resume continues the state"
                + " in --out, --init-from starts the second stage from a model directory");
      }
      config = TrainConfig.shipped();
      if (steps > 0) {
        config = config.withSteps(steps);
      }
      config =
          config.withIntervals(
              checkpointEvery > 0 ? checkpointEvery : config.checkpointEvery(), logEvery);
    } catch (IllegalArgumentException e) {
      System.err.println("lumina train: " + e.getMessage());
      return 2;
    }
    Engines.setThreads(threads);
    Path exportDir = export != null ? export : Path.of("models", config.modelName());
    if (config.refine() != null && config.refine().fromStep() < config.steps()) {
      var r = config.refine();
      System.out.printf(
          "lumina train: steps 1-%d: %.0f %% video, %.0f %% multi-view, lr %.1e; steps %d-%d:"
              + " restart from the EMA, %.0f %% video, %.0f %% multi-view, lr %.1e falling to 0%n",
          r.fromStep(),
          100 * config.videoFraction(),
          100 * config.multiViewFraction(),
          config.learningRate(),
          r.fromStep() + 1,
          config.steps(),
          100 * r.videoFraction(),
          100 * r.multiViewFraction(),
          r.learningRate());
    }
    long started = System.nanoTime();
    System.out.printf(
        "lumina train: %s, %d steps, state in %s, model exported to %s%s%n",
        config.modelName(),
        config.steps(),
        out,
        exportDir,
        resume ? " (resuming)" : initFrom != null ? " (second stage from " + initFrom + ")" : "");
    try {
      Trainer.Result result =
          new Trainer(config, out, exportDir)
              .run(
                  resume,
                  initFrom,
                  p -> {
                    double eta = p.secondsPerStep() * (p.totalSteps() - p.step());
                    System.out.printf(
                        "step %6d/%d  %-10s loss %.4f  ema-loss %.4f  %.2f s/step  eta %s%s%n",
                        p.step(),
                        p.totalSteps(),
                        p.modality(),
                        p.loss(),
                        p.meanLoss(),
                        p.secondsPerStep(),
                        format(eta),
                        p.skippedSteps() > 0 ? "  skipped " + p.skippedSteps() : "");
                  });
      System.out.printf(
          "lumina train: done, %d steps, ema-loss %.4f, %s wall; model in %s%n",
          result.completedSteps(),
          result.finalMeanLoss(),
          format((System.nanoTime() - started) / 1e9),
          result.exportDir());
      return 0;
    } catch (IOException | IllegalStateException e) {
      System.err.println("lumina train: " + e.getMessage());
      return 1;
    }
  }

  private static String format(double seconds) {
    if (!Double.isFinite(seconds)) {
      return "?";
    }
    Duration d = Duration.ofSeconds(Math.round(seconds));
    return String.format("%dh%02dm%02ds", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
  }
}

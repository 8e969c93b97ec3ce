package dev.lumina.deploy.cli;

import dev.lumina.engine.Engines;
import dev.lumina.training.eval.EvalSettings;
import dev.lumina.training.eval.Evaluator;
import dev.lumina.training.eval.SetScore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lumina eval}: prompt adherence of a synthetic-world model. Generates samples for held-in
 * and held-out captions straight through the engine's sampler (no cluster) and prints, per set, the
 * share of samples whose colour, shape, grid cell and motion direction match the prompt, read by a
 * deterministic analyzer.
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description =
        "Score prompt adherence (color, shape, position, motion) of a synthetic-world model.")
final class EvalCommand implements Callable<Integer> {

  @Option(
      names = "--model",
      defaultValue = "models/lumina-shapes-32",
      paramLabel = "DIR",
      description = "Model directory (default: ${DEFAULT-VALUE}).")
  Path model;

  @Option(
      names = "--samples",
      defaultValue = "48",
      description = "Prompts per set (default: ${DEFAULT-VALUE}; video sets use at most 32).")
  int samples;

  @Option(
      names = "--steps",
      defaultValue = "31",
      description = "Time-grid points, steps - 1 Euler steps (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--cfg",
      defaultValue = "4.0",
      description = "Guidance scale (default: ${DEFAULT-VALUE}).")
  float cfg;

  @Option(
      names = "--shift",
      defaultValue = "0",
      description =
          "Time shift of the grid, 0 = the model card's default_time_shift (model.json), else 1"
              + " (default: ${DEFAULT-VALUE}).")
  float shift;

  @Option(
      names = "--seed",
      defaultValue = "1234",
      description = "Noise and prompt seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--no-extrapolation",
      description = "Skip the 2x resolution and 1:2 / 2:1 aspect sets.")
  boolean noExtrapolation;

  @Option(names = "--no-video", description = "Skip the video sets.")
  boolean noVideo;

  @Option(
      names = "--samples-dir",
      paramLabel = "DIR",
      description = "Write each set's samples there as a PNG grid.")
  Path samplesDir;

  @Option(
      names = "--caption-probe",
      description =
          "Instead of the sets: how much of a picture the model takes from its caption (x̂1 error"
              + " at t = 0 on 64 training pictures, object and background pixels, with the true"
              + " caption, \"\" and a wrong one).")
  boolean captionProbe;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description = "Intra-op threads, 0 = the engine's default (default: ${DEFAULT-VALUE}).")
  int threads;

  @Mixin EngineOptions engine;

  @Override
  public Integer call() {
    EvalSettings settings;
    try {
      engine.apply();
      if (threads < 0) {
        throw new IllegalArgumentException("--threads must be >= 0, got " + threads);
      }
      if (shift < 0) {
        throw new IllegalArgumentException(
            "--shift must be > 0 (or 0 for the model's default), got " + shift);
      }
      float gridShift = shift > 0 ? shift : Evaluator.cardTimeShift(model);
      settings = new EvalSettings(samples, steps, cfg, gridShift, seed, !noExtrapolation, !noVideo);
    } catch (IllegalArgumentException e) {
      System.err.println("lumina eval: " + e.getMessage());
      return 2;
    }
    Engines.setThreads(threads);
    try (Evaluator evaluator = Evaluator.load(model)) {
      if (captionProbe) {
        // The training run's seed: the probe looks at pictures the model was trained on.
        System.out.print(
            evaluator.captionProbe(dev.lumina.training.TrainConfig.shipped().seed(), 64, 3));
        return 0;
      }
      System.out.println(SetScore.header());
      evaluator.evaluate(settings, samplesDir, score -> System.out.println(score.row()));
      return 0;
    } catch (IOException | RuntimeException e) {
      System.err.println("lumina eval: " + e.getMessage());
      return 1;
    }
  }
}

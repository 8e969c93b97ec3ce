package dev.lumina.deploy.client;

import dev.lumina.proto.v1.Extrapolation;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.Output;
import dev.lumina.proto.v1.OutputFormat;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.proto.v1.Solver;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The prompt, {@code --out} and a flag for every {@code GenerateRequest} field except the model: a
 * picocli mixin shared by {@code lumina generate} and {@code lumina demo}, so both accept the same
 * flags. Each command adds its own {@code --model} (a catalog name for {@code generate}, a model
 * directory for {@code demo}). Filled by picocli on the parsing thread, then read-only.
 */
public final class GenerateOptions {

  @Parameters(index = "0", paramLabel = "PROMPT", description = "What to generate.")
  String prompt;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      defaultValue = ".",
      description = "Folder for the outputs (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--modality", description = "IMAGE, VIDEO, MULTIVIEW or AUDIO (default: IMAGE).")
  Modality modality = Modality.IMAGE;

  @Option(names = "--negative", paramLabel = "TEXT", description = "Negative prompt.")
  String negative = "";

  @Option(names = "--width", description = "Width in pixels (0 = model default).")
  int width;

  @Option(names = "--height", description = "Height in pixels (0 = model default).")
  int height;

  @Option(names = "--frames", description = "VIDEO: frame count.")
  int frames;

  @Option(names = "--views", description = "MULTIVIEW: view count.")
  int views;

  @Option(
      names = "--duration",
      paramLabel = "SECONDS",
      description = "AUDIO: clip length in seconds.")
  float duration;

  @Option(names = "--steps", description = "Sampling grid points (0 = model default).")
  int steps;

  @Option(
      names = "--solver",
      description = "EULER, MIDPOINT, RK4 or DOPRI5 (default: the model's).")
  Solver solver = Solver.SOLVER_UNSPECIFIED;

  @Option(
      names = "--cfg",
      paramLabel = "SCALE",
      description = "Classifier-free guidance scale (0 = model default).")
  float cfg;

  @Option(names = "--time-shift", paramLabel = "S", description = "Time shift (0 = model default).")
  float timeShift;

  @Option(names = "--seed", description = "Seed of the starting noise (default: random).")
  Long seed;

  @Option(names = "--full-channel-cfg", description = "Guide every latent channel.")
  boolean fullChannelCfg;

  @Option(
      names = "--ntk-scaling",
      negatable = true,
      description = "NTK-aware RoPE scaling (server default: on).")
  Boolean ntkScaling;

  @Option(
      names = "--proportional-attention",
      negatable = true,
      description = "Proportional attention (server default: on).")
  Boolean proportionalAttention;

  @Option(names = "--format", description = "PNG or WAV (default: by modality).")
  OutputFormat format = OutputFormat.OUTPUT_FORMAT_UNSPECIFIED;

  @Option(
      names = "--preview-every",
      paramLabel = "N",
      description = "A preview every N steps (0 = none).")
  int previewEvery;

  @Option(names = "--save-previews", description = "Also write previews to --out.")
  boolean savePreviews;

  @Option(
      names = "--tile-size",
      paramLabel = "PX",
      description = "Tile side for large pictures (0 = server default).")
  int tileSize;

  @Option(names = "--priority", description = "1 (lowest) .. 9 (highest); 0 = default.")
  int priority;

  @Option(
      names = "--max-queue-ms",
      paramLabel = "MS",
      description = "Longest wait in the queue (0 = no limit).")
  long maxQueueMs;

  @Option(names = "--request-id", paramLabel = "ID", description = "Idempotency key.")
  String requestId = "";

  @Option(
      names = "--label",
      paramLabel = "KEY=VALUE",
      description = "Label echoed in the job (repeatable).")
  Map<String, String> labels = new TreeMap<>();

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "3600",
      description = "Give up after this long (default: ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  /** Folder the outputs are written to. */
  public Path out() {
    return out;
  }

  /** Whether previews are written beside the outputs. */
  public boolean savePreviews() {
    return savePreviews;
  }

  /** Seconds after which the client gives up on the job. */
  public long timeoutSeconds() {
    return timeoutSeconds;
  }

  /** The modality asked for; it names the output files. */
  public Modality modality() {
    return modality;
  }

  /**
   * The request the flags describe, for the model named {@code model} ("" = the server's default).
   */
  public GenerateRequest request(String model) {
    Sampling.Builder s =
        Sampling.newBuilder()
            .setSteps(steps)
            .setSolver(solver)
            .setCfgScale(cfg)
            .setTimeShift(timeShift)
            .setFullChannelCfg(fullChannelCfg);
    if (seed != null) {
      s.setSeed(seed);
    }
    Extrapolation.Builder x = Extrapolation.newBuilder();
    if (ntkScaling != null) {
      x.setNtkScaling(ntkScaling);
    }
    if (proportionalAttention != null) {
      x.setProportionalAttention(proportionalAttention);
    }
    return GenerateRequest.newBuilder()
        .setRequestId(requestId)
        .setModel(model)
        .setModality(modality)
        .setPrompt(prompt)
        .setNegativePrompt(negative)
        .setGeometry(
            Geometry.newBuilder()
                .setWidth(width)
                .setHeight(height)
                .setFrames(frames)
                .setViews(views)
                .setDurationS(duration))
        .setSampling(s)
        .setExtrapolation(x)
        .setOutput(
            Output.newBuilder()
                .setFormat(format)
                .setPreviewEvery(previewEvery)
                .setTileSize(tileSize))
        .setPriority(priority)
        .setMaxQueueMs(maxQueueMs)
        .putAllLabels(labels)
        .build();
  }
}

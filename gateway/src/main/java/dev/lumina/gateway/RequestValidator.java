package dev.lumina.gateway;

import dev.lumina.proto.Modalities;
import dev.lumina.proto.RequestDefaults;
import dev.lumina.proto.Tiers;
import dev.lumina.proto.TokenBudget;
import dev.lumina.proto.cluster.v1.ModelCard;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.ModelInfo;
import dev.lumina.proto.v1.Output;
import dev.lumina.proto.v1.OutputFormat;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.proto.v1.Solver;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks a {@code GenerateRequest} against the model's limits and applies the model's defaults
 * ({@link RequestDefaults}). Every violation throws {@link InvalidFieldException} naming the field
 * and the limit.
 *
 * <p>Zero means "default" wherever the public API says so: {@code steps = 0} takes the model's
 * default, so the explicit out-of-range values are {@code 1} (a single grid point is no step) and
 * anything above {@code max_steps}. The same holds for {@code cfg_scale}, {@code time_shift},
 * {@code priority}, the geometry fields and {@code tile_size}. Defaults are validated like client
 * values, so a bad model card cannot slip a job past the limits.
 *
 * <p>Immutable and thread-safe.
 */
final class RequestValidator {
  static final int MAX_REQUEST_ID_BYTES = 128;
  static final float MAX_CFG_SCALE = 50f;
  static final float MIN_TIME_SHIFT = 1f;
  static final float MAX_TIME_SHIFT = 100f;
  static final int MAX_PRIORITY = 9;
  static final long MAX_QUEUE_MS = 86_400_000L;
  static final int MAX_LABELS = 16;
  static final int MAX_LABEL_BYTES = 64;
  static final int MAX_LISTED_MODELS = 16;
  private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]*");

  /** A request that passed validation, with every default applied. */
  record ValidatedJob(GenerateRequest resolved, ModelCard card, long tokenBudget, String tier) {}

  private final ModelCatalog catalog;
  private final Tiers tiers;

  RequestValidator(ModelCatalog catalog, Tiers tiers) {
    this.catalog = catalog;
    this.tiers = tiers;
  }

  ValidatedJob validate(GenerateRequest req) {
    requestId(req.getRequestId());
    String modelName = req.getModel().isEmpty() ? catalog.defaultModel() : req.getModel();
    if (modelName.isEmpty()) {
      throw new InvalidFieldException("model", "no model is being served yet; known models: []");
    }
    ModelCard card =
        catalog
            .find(modelName)
            .orElseThrow(
                () ->
                    new InvalidFieldException(
                        "model",
                        "unknown model "
                            + GatewayErrors.quote(modelName)
                            + "; known models: "
                            + knownModels()));
    ModelInfo info = card.getInfo();

    if (req.getModality() == Modality.UNRECOGNIZED) {
      throw new InvalidFieldException(
          "modality",
          "unknown enum value "
              + req.getModalityValue()
              + "; allowed: "
              + info.getModalitiesList());
    }
    Modality modality = Modalities.orDefault(req.getModality());
    if (!info.getModalitiesList().contains(modality)) {
      throw new InvalidFieldException(
          "modality",
          modality
              + " is not served by model "
              + GatewayErrors.quote(modelName)
              + "; allowed: "
              + info.getModalitiesList());
    }
    prompt("prompt", req.getPrompt(), info.getMaxPromptBytes(), true);
    prompt("negative_prompt", req.getNegativePrompt(), info.getMaxPromptBytes(), false);

    Geometry geometry = GeometryRules.resolve(req.getGeometry(), modality, info);
    Sampling sampling = sampling(req.getSampling(), info);
    Output output = output(req.getOutput(), modality, sampling.getSteps());
    int priority = priority(req.getPriority());
    // uint64 on the wire: values of 2^63 and more arrive as negative longs.
    if (Long.compareUnsigned(req.getMaxQueueMs(), MAX_QUEUE_MS) > 0) {
      throw new InvalidFieldException(
          "max_queue_ms",
          Long.toUnsignedString(req.getMaxQueueMs())
              + " exceeds the limit of "
              + MAX_QUEUE_MS
              + " ms (24 h)");
    }
    labels(req.getLabelsMap());

    long tokens = tokens(card, modality, geometry);
    long modelMax = info.getMaxTokens() > 0 ? info.getMaxTokens() : Long.MAX_VALUE;
    if (tokens > modelMax) {
      throw new InvalidFieldException(
          "geometry", "token budget " + tokens + " exceeds the model's max_tokens " + modelMax);
    }
    Tiers.Tier tier =
        tiers
            .tierFor(tokens)
            .orElseThrow(
                () ->
                    new InvalidFieldException(
                        "geometry",
                        "token budget "
                            + tokens
                            + " exceeds the largest tier '"
                            + tiers.tiers().get(tiers.tiers().size() - 1).name()
                            + "' ("
                            + tiers.maxTokens()
                            + " tokens)"));

    GenerateRequest resolved =
        req.toBuilder()
            .setModel(modelName)
            .setModality(modality)
            .setGeometry(geometry)
            .setSampling(sampling)
            .setOutput(output)
            .setPriority(priority)
            .build();
    return new ValidatedJob(resolved, card, tokens, tier.name());
  }

  /** The first {@value #MAX_LISTED_MODELS} model names, and how many more there are. */
  private String knownModels() {
    List<String> names = catalog.all().stream().map(c -> c.getInfo().getName()).toList();
    if (names.size() <= MAX_LISTED_MODELS) {
      return names.toString();
    }
    return names.subList(0, MAX_LISTED_MODELS).toString()
        + " and "
        + (names.size() - MAX_LISTED_MODELS)
        + " more";
  }

  private static void requestId(String id) {
    int bytes = id.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_REQUEST_ID_BYTES) {
      throw new InvalidFieldException(
          "request_id", bytes + " bytes exceeds the limit of " + MAX_REQUEST_ID_BYTES);
    }
    if (!REQUEST_ID.matcher(id).matches()) {
      throw new InvalidFieldException("request_id", "must contain only [A-Za-z0-9._:-]");
    }
  }

  private static void prompt(String field, String text, int maxBytes, boolean required) {
    if (required && text.isBlank()) {
      throw new InvalidFieldException(field, "is required (1.." + maxBytes + " UTF-8 bytes)");
    }
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    if (maxBytes > 0 && bytes > maxBytes) {
      throw new InvalidFieldException(
          field, bytes + " UTF-8 bytes exceeds max_prompt_bytes " + maxBytes);
    }
  }

  private static Sampling sampling(Sampling in, ModelInfo info) {
    Sampling out = RequestDefaults.sampling(in, info.getDefaultSampling());
    int steps = out.getSteps();
    if (steps < 2 || steps > info.getMaxSteps()) {
      throw new InvalidFieldException(
          "sampling.steps",
          steps + " is out of range: 0 (default) or 2.." + info.getMaxSteps() + " (max_steps)");
    }
    if (in.getSolver() == Solver.UNRECOGNIZED) {
      throw new InvalidFieldException(
          "sampling.solver",
          "unknown enum value "
              + in.getSolverValue()
              + "; allowed: 0..4 (EULER, MIDPOINT, RK4, DOPRI5)");
    }
    float cfg = out.getCfgScale();
    if (!Float.isFinite(cfg) || cfg < 0f || cfg > MAX_CFG_SCALE) {
      throw new InvalidFieldException(
          "sampling.cfg_scale", cfg + " is out of range: finite, 0.." + MAX_CFG_SCALE);
    }
    float shift = out.getTimeShift();
    if (!Float.isFinite(shift) || shift < MIN_TIME_SHIFT || shift > MAX_TIME_SHIFT) {
      throw new InvalidFieldException(
          "sampling.time_shift",
          shift + " is out of range: finite, " + MIN_TIME_SHIFT + ".." + MAX_TIME_SHIFT);
    }
    return out;
  }

  private static Output output(Output in, Modality modality, int steps) {
    if (in.getFormat() == OutputFormat.UNRECOGNIZED) {
      throw new InvalidFieldException(
          "output.format",
          "unknown enum value " + in.getFormatValue() + "; allowed: 0..2 (PNG, WAV)");
    }
    Output out = RequestDefaults.output(in, modality);
    OutputFormat format = out.getFormat();
    if ((format == OutputFormat.WAV) != (modality == Modality.AUDIO)) {
      throw new InvalidFieldException(
          "output.format",
          format
              + " does not fit modality "
              + modality
              + "; allowed: WAV for AUDIO, PNG otherwise");
    }
    // uint32 on the wire: values of 2^31 and more arrive as negative ints.
    if (Integer.compareUnsigned(in.getPreviewEvery(), steps) > 0) {
      throw new InvalidFieldException(
          "output.preview_every",
          Integer.toUnsignedString(in.getPreviewEvery()) + " exceeds sampling.steps " + steps);
    }
    int tile = out.getTileSize();
    if (tile < 64 || tile > 4096 || tile % 64 != 0) {
      throw new InvalidFieldException(
          "output.tile_size",
          tile
              + " is out of range: 0 (default "
              + RequestDefaults.TILE_SIZE
              + ") or 64..4096 in multiples of 64");
    }
    return out;
  }

  private static int priority(int priority) {
    if (priority < 0 || priority > MAX_PRIORITY) {
      throw new InvalidFieldException(
          "priority",
          Integer.toUnsignedString(priority)
              + " is out of range: 0 (default "
              + RequestDefaults.PRIORITY
              + ") or 1.."
              + MAX_PRIORITY);
    }
    return RequestDefaults.priority(priority);
  }

  private static void labels(Map<String, String> labels) {
    if (labels.size() > MAX_LABELS) {
      throw new InvalidFieldException(
          "labels", labels.size() + " labels exceeds the limit of " + MAX_LABELS);
    }
    for (Map.Entry<String, String> e : labels.entrySet()) {
      if (e.getKey().getBytes(StandardCharsets.UTF_8).length > MAX_LABEL_BYTES
          || e.getValue().getBytes(StandardCharsets.UTF_8).length > MAX_LABEL_BYTES) {
        throw new InvalidFieldException(
            "labels",
            "label "
                + GatewayErrors.quote(e.getKey())
                + ": key and value must each be at most "
                + MAX_LABEL_BYTES
                + " bytes");
      }
    }
  }

  private static long tokens(ModelCard card, Modality modality, Geometry g) {
    ModelInfo info = card.getInfo();
    TokenBudget budget =
        new TokenBudget(
            Math.max(1, info.getDownsample()),
            Math.max(1, info.getPatchSize()),
            Math.max(0, card.getAudioFramesPerSecond()));
    return budget.tokens(
        modality, g.getWidth(), g.getHeight(), g.getFrames(), g.getViews(), g.getDurationS());
  }
}

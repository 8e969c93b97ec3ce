package dev.lumina.worker.flagdit;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.lumina.engine.ModelDescription;
import dev.lumina.engine.model.FlagDitConfig;
import dev.lumina.proto.cluster.v1.ModelCard;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.ModelInfo;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.proto.v1.Solver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The {@link ModelCard} a worker announces for a model directory: geometry from the checkpoint's
 * config; name, training size and recommended sampling from the trainer's {@value #TRAINER_FILE};
 * serving limits and defaults from {@value #FILE} (which wins over {@value #TRAINER_FILE}); the
 * defaults below for anything neither file sets.
 *
 * <p>{@value #FILE} is a flat JSON object whose keys are {@code lumina.v1.ModelInfo} field names
 * ({@code name}, {@code description}, {@code downsample}, {@code max_tokens}, {@code min_side},
 * {@code max_side}, {@code max_aspect}, {@code max_frames}, {@code max_views}, {@code
 * max_duration_s}, {@code max_steps}, {@code max_prompt_bytes}, {@code train_side}), plus {@code
 * default_width}, {@code default_height}, {@code default_frames}, {@code default_views}, {@code
 * default_duration_s}, {@code default_steps}, {@code default_solver}, {@code default_cfg_scale},
 * {@code default_time_shift}, {@code audio_frames_per_second}. Unknown keys are refused, naming the
 * key. Stateless.
 */
public final class ModelCards {
  /** Serving settings file inside a model directory. */
  public static final String FILE = "model_card.json";

  /** The trainer's description of the model ({@code ModelExport}), read first when present. */
  public static final String TRAINER_FILE = "model.json";

  private static final Set<String> KEYS =
      Set.of(
          "name",
          "description",
          "downsample",
          "max_tokens",
          "min_side",
          "max_side",
          "max_aspect",
          "max_frames",
          "max_views",
          "max_duration_s",
          "max_steps",
          "max_prompt_bytes",
          "train_side",
          "default_width",
          "default_height",
          "default_frames",
          "default_views",
          "default_duration_s",
          "default_steps",
          "default_solver",
          "default_cfg_scale",
          "default_time_shift",
          "audio_frames_per_second");

  private ModelCards() {}

  /**
   * The card of the model in {@code modelDir} whose checkpoint has {@code config} (a pixel-space or
   * audio model without release metadata).
   *
   * @throws IOException when {@value #FILE} exists but cannot be read
   * @throws IllegalArgumentException when {@value #FILE} is malformed, naming the key
   */
  public static ModelCard forModel(
      Path modelDir, FlagDitConfig config, String announcedBy, long nowMs) throws IOException {
    return forModel(modelDir, ModelDescription.of(config), announcedBy, nowMs);
  }

  /**
   * The card of the model described by {@code model} whose folder is {@code modelDir}: its latent
   * scale and, for a release, its training resolution and name come from the description where the
   * card files say nothing.
   *
   * @throws IOException when {@value #FILE} exists but cannot be read
   * @throws IllegalArgumentException when {@value #FILE} is malformed, naming the key
   */
  public static ModelCard forModel(
      Path modelDir, ModelDescription model, String announcedBy, long nowMs) throws IOException {
    FlagDitConfig config = model.config();
    JsonObject o = fromTrainerCard(modelDir.resolve(TRAINER_FILE));
    Path file = modelDir.resolve(FILE);
    if (Files.isRegularFile(file)) {
      JsonObject serving = readObject(file);
      for (String k : serving.keySet()) {
        if (!KEYS.contains(k)) {
          throw new IllegalArgumentException(file + ": unknown key '" + k + "'; known: " + KEYS);
        }
        o.add(k, serving.get(k));
      }
    }
    boolean audio = config.patchSize() == 1;
    boolean pixelSpace = config.inChannels() == 3;
    int downsample =
        integer(
            o,
            "downsample",
            model.downsample() > 1 ? model.downsample() : audio || pixelSpace ? 1 : 8);
    int unit = downsample * config.patchSize();
    int trainSide = integer(o, "train_side", model.trainSide().orElse(pixelSpace ? 64 : 256));
    ModelInfo.Builder info =
        ModelInfo.newBuilder()
            .setName(
                string(o, "name", modelDir.toAbsolutePath().normalize().getFileName().toString()))
            .setDescription(
                string(
                    o,
                    "description",
                    model
                        .architecture()
                        .orElse("Flag-DiT " + config.dim() + "x" + config.nLayers())))
            .setDownsample(downsample)
            .setLatentChannels(config.inChannels())
            .setPatchSize(config.patchSize())
            .setPixelUnit(unit)
            .setMaxTokens(integer(o, "max_tokens", 4224))
            .setMaxSteps(integer(o, "max_steps", 200))
            .setMaxPromptBytes(integer(o, "max_prompt_bytes", 1024))
            .setDim(config.dim())
            .setLayers(config.nLayers())
            .setHeads(config.nHeads())
            .setTrainSide(trainSide);
    Geometry.Builder g = Geometry.newBuilder();
    if (audio) {
      info.addModalities(Modality.AUDIO).setMaxDurationS(decimal(o, "max_duration_s", 30f));
      g.setDurationS(decimal(o, "default_duration_s", 5f));
    } else {
      info.addModalities(Modality.IMAGE)
          .setMinSide(integer(o, "min_side", unit * 4))
          .setMaxSide(integer(o, "max_side", trainSide * 4))
          .setMaxAspect(decimal(o, "max_aspect", 4f));
      g.setWidth(integer(o, "default_width", trainSide))
          .setHeight(integer(o, "default_height", trainSide));
      if (config.hasEofToken()) {
        info.addModalities(Modality.VIDEO)
            .addModalities(Modality.MULTIVIEW)
            .setMaxFrames(integer(o, "max_frames", 16))
            .setMaxViews(integer(o, "max_views", 8));
        g.setFrames(integer(o, "default_frames", 4)).setViews(integer(o, "default_views", 4));
      }
    }
    String solver = string(o, "default_solver", "EULER");
    Solver s;
    try {
      s = Solver.valueOf(solver);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          FILE + ": default_solver must be EULER, MIDPOINT, RK4 or DOPRI5, got " + solver, e);
    }
    info.setDefaultGeometry(g)
        .setDefaultSampling(
            Sampling.newBuilder()
                .setSteps(integer(o, "default_steps", 30))
                .setSolver(s)
                .setCfgScale(decimal(o, "default_cfg_scale", 4f))
                .setTimeShift(decimal(o, "default_time_shift", pixelSpace ? 1f : 6f)));
    return ModelCard.newBuilder()
        .setInfo(info)
        .setAudioFramesPerSecond(audio ? decimal(o, "audio_frames_per_second", 25f) : 0)
        .setAnnouncedBy(announcedBy)
        .setAtMs(nowMs)
        .build();
  }

  /**
   * The serving-relevant part of the trainer's {@value #TRAINER_FILE} (name, description, training
   * size, recommended sampling, frames and views), under {@value #FILE}'s key names; other keys are
   * ignored. Empty when the file is absent.
   */
  private static JsonObject fromTrainerCard(Path file) throws IOException {
    JsonObject out = new JsonObject();
    if (!Files.isRegularFile(file)) {
      return out;
    }
    JsonObject t = readObject(file);
    copy(t, "name", out, "name");
    copy(t, "description", out, "description");
    copy(t, "train_width", out, "default_width");
    copy(t, "train_height", out, "default_height");
    if (t.has("train_width") && t.has("train_height")) {
      out.addProperty(
          "train_side",
          Math.max(t.get("train_width").getAsInt(), t.get("train_height").getAsInt()));
    }
    copy(t, "video_frames", out, "default_frames");
    copy(t, "views", out, "default_views");
    copy(t, "default_sampling_steps", out, "default_steps");
    copy(t, "default_cfg_scale", out, "default_cfg_scale");
    copy(t, "default_time_shift", out, "default_time_shift");
    return out;
  }

  private static void copy(JsonObject from, String key, JsonObject to, String as) {
    if (from.has(key) && !from.get(key).isJsonNull()) {
      to.add(as, from.get(key));
    }
  }

  private static JsonObject readObject(Path file) throws IOException {
    try {
      JsonElement e = JsonParser.parseString(Files.readString(file));
      if (!e.isJsonObject()) {
        throw new IllegalArgumentException(file + ": must be a JSON object");
      }
      return e.getAsJsonObject();
    } catch (JsonParseException e) {
      throw new IllegalArgumentException(file + ": not valid JSON: " + e.getMessage(), e);
    }
  }

  private static String string(JsonObject o, String key, String dflt) {
    return o.has(key) ? o.get(key).getAsString() : dflt;
  }

  private static int integer(JsonObject o, String key, int dflt) {
    if (!o.has(key)) {
      return dflt;
    }
    try {
      int v = o.get(key).getAsInt();
      if (v < 0) {
        throw new IllegalArgumentException(FILE + ": " + key + " must be >= 0, got " + v);
      }
      return v;
    } catch (NumberFormatException | UnsupportedOperationException | IllegalStateException e) {
      throw new IllegalArgumentException(
          FILE + ": " + key + " must be an integer, got " + o.get(key), e);
    }
  }

  private static float decimal(JsonObject o, String key, float dflt) {
    if (!o.has(key)) {
      return dflt;
    }
    try {
      float v = o.get(key).getAsFloat();
      if (!Float.isFinite(v) || v < 0) {
        throw new IllegalArgumentException(
            FILE + ": " + key + " must be finite and >= 0, got " + v);
      }
      return v;
    } catch (NumberFormatException | UnsupportedOperationException | IllegalStateException e) {
      throw new IllegalArgumentException(
          FILE + ": " + key + " must be a number, got " + o.get(key), e);
    }
  }
}

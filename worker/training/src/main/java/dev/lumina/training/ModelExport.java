package dev.lumina.training;

import ai.djl.ndarray.NDArray;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.lumina.engine.checkpoint.SafetensorsWriter;
import dev.lumina.engine.text.SmallTextEncoder;
import dev.lumina.engine.text.TextEncoderConfig;
import dev.lumina.engine.text.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a servable model directory: {@value #MODEL_FILE} (Flag-DiT EMA weights, official key
 * names, the architecture in the safetensors metadata plus {@code pixel_space}, {@code downsample},
 * {@code train_width}/{@code train_height}, {@code video_frames}, {@code views}), the text encoder
 * files of {@link dev.lumina.engine.text.TextEncoders} and {@value #CARD_FILE} (name, training
 * recipe and recommended sampling settings). {@code FlagDit.load(dir)} and {@code
 * TextEncoders.load(dir, manager)} both read this directory.
 */
public final class ModelExport {

  /** Flag-DiT weights inside a model directory. */
  public static final String MODEL_FILE = "model.safetensors";

  /** Human- and machine-readable description of the model. */
  public static final String CARD_FILE = "model.json";

  private ModelExport() {}

  static void write(
      Path dir,
      TrainConfig config,
      long steps,
      Map<String, NDArray> modelWeights,
      TextEncoderConfig textConfig,
      Tokenizer tokenizer,
      Map<String, NDArray> textWeights)
      throws IOException {
    Files.createDirectories(dir);
    Map<String, String> metadata = new LinkedHashMap<>(config.modelConfig().toMetadata());
    // The trainer's models predict the clean sample; the engine derives the velocity
    // (FlagDit#PREDICTION_KEY).
    metadata.put(dev.lumina.engine.model.FlagDit.PREDICTION_KEY, "\"data\"");
    metadata.put("pixel_space", "true");
    metadata.put("downsample", "1");
    metadata.put("train_width", "" + config.width());
    metadata.put("train_height", "" + config.height());
    metadata.put("video_frames", "" + config.videoFrames());
    metadata.put("views", "" + config.views());
    metadata.put("trained_steps", "" + steps);
    SafetensorsWriter.writeArrays(dir.resolve(MODEL_FILE), modelWeights, metadata);
    SmallTextEncoder.write(dir, textConfig, tokenizer, textWeights);
    JsonObject card = new JsonObject();
    card.addProperty("name", config.modelName());
    card.addProperty(
        "description",
        "Flag-DiT in RGB pixel space trained on synthetic captioned shapes (lumina train)");
    card.addProperty("pixel_space", true);
    card.addProperty("train_width", config.width());
    card.addProperty("train_height", config.height());
    card.addProperty("patch_size", config.patchSize());
    card.addProperty("video_frames", config.videoFrames());
    card.addProperty("views", config.views());
    card.addProperty("trained_steps", steps);
    card.addProperty("seed", config.seed());
    card.addProperty("default_sampling_steps", 30);
    card.addProperty("default_cfg_scale", 4.0);
    card.addProperty("default_time_shift", config.timeShift());
    card.addProperty("recipe", config.toString());
    Files.writeString(
        dir.resolve(CARD_FILE),
        new GsonBuilder().setPrettyPrinting().create().toJson(card) + "\n",
        StandardCharsets.UTF_8);
  }
}

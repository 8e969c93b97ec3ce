package dev.lumina.engine.text;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Loads the text encoder that belongs to a model directory.
 *
 * <p>A model directory holds {@value #CONFIG_FILE} (with a {@code "type"} field naming the
 * encoder), the encoder's weights and, for word-level encoders, {@value #VOCAB_FILE}. The only type
 * so far is {@value SmallTextEncoder#TYPE}, the small transformer trained jointly with the shipped
 * model.
 */
public final class TextEncoders {

  /** Encoder metadata file inside a model directory. */
  public static final String CONFIG_FILE = "text_encoder.json";

  /** Encoder weights file inside a model directory. */
  public static final String WEIGHTS_FILE = "text_encoder.safetensors";

  /** Vocabulary file inside a model directory. */
  public static final String VOCAB_FILE = "vocab.txt";

  private TextEncoders() {}

  /**
   * Loads the encoder stored in {@code modelDir}; its weights live in a sub-manager of {@code
   * manager}.
   *
   * @throws IOException if a file is missing or unreadable
   * @throws IllegalArgumentException if the metadata names an unknown type or an invalid geometry
   */
  public static TextEncoder load(Path modelDir, NDManager manager) throws IOException {
    Path config = modelDir.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(config)) {
      throw new NoSuchFileException(
          config.toString(), null, "no text encoder metadata in model directory");
    }
    String type;
    try (Reader r = Files.newBufferedReader(config, StandardCharsets.UTF_8)) {
      JsonObject json = JsonParser.parseReader(r).getAsJsonObject();
      type = json.has("type") ? json.get("type").getAsString() : "";
    }
    if (SmallTextEncoder.TYPE.equals(type)) {
      return SmallTextEncoder.load(modelDir, manager);
    }
    throw new IllegalArgumentException(
        config + ": text encoder type must be '" + SmallTextEncoder.TYPE + "', got '" + type + "'");
  }
}

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
 * <p>A model directory holds either {@value #CONFIG_FILE} (with a {@code "type"} field naming the
 * encoder), the encoder's weights and, for word-level encoders, {@value #VOCAB_FILE} — the only
 * type so far is {@value SmallTextEncoder#TYPE}, the small transformer trained jointly with the
 * shipped model — or a pretrained Hugging Face LLaMA folder ({@link #isHfLlama}), either the
 * directory itself or its {@value #HF_SUBFOLDER} subfolder, loaded as a {@link LlamaTextEncoder}.
 * {@value #CONFIG_FILE} wins when both are present.
 */
public final class TextEncoders {

  /** Encoder metadata file inside a model directory. */
  public static final String CONFIG_FILE = "text_encoder.json";

  /** Encoder weights file inside a model directory. */
  public static final String WEIGHTS_FILE = "text_encoder.safetensors";

  /** Vocabulary file inside a model directory. */
  public static final String VOCAB_FILE = "vocab.txt";

  /** Subfolder of a model directory that holds a Hugging Face text encoder. */
  public static final String HF_SUBFOLDER = "text_encoder";

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
      if (isHfLlama(modelDir)) {
        return loadHf(modelDir, manager);
      }
      if (isHfLlama(modelDir.resolve(HF_SUBFOLDER))) {
        return loadHf(modelDir.resolve(HF_SUBFOLDER), manager);
      }
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

  /**
   * Whether {@code dir} is a Hugging Face LLaMA folder: a {@value LlamaConfig#FILE} whose {@code
   * model_type} is {@code "llama"} next to a {@value HfTokenizer#TOKENIZER_FILE}.
   */
  public static boolean isHfLlama(Path dir) {
    return Files.isDirectory(dir)
        && Files.isRegularFile(dir.resolve(HfTokenizer.TOKENIZER_FILE))
        && LlamaConfig.isLlamaFolder(dir);
  }

  /**
   * Loads the Hugging Face LLaMA folder {@code hfFolder} (see {@link LlamaTextEncoder#load}).
   *
   * @throws IllegalArgumentException if the folder is not an HF LLaMA folder
   */
  public static LlamaTextEncoder loadHf(Path hfFolder, NDManager manager) throws IOException {
    if (!isHfLlama(hfFolder)) {
      throw new IllegalArgumentException(
          hfFolder
              + ": not a Hugging Face LLaMA folder (config.json with model_type 'llama' and"
              + " tokenizer.json)");
    }
    return LlamaTextEncoder.load(hfFolder, manager);
  }
}

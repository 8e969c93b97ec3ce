package dev.lumina.training;

import ai.djl.ndarray.NDArray;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.checkpoint.SafetensorsFile;
import dev.lumina.engine.checkpoint.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The resumable state of a run in one safetensors file ({@value #FILE} under the work directory):
 * parameters ({@code param.*}), AdamW moments ({@code adam_m.*}, {@code adam_v.*}), EMA weights
 * ({@code ema.*}) and, in the metadata, the number of completed steps and the run's seed. Written
 * to a temporary file and moved into place, so an interruption never leaves a half-written state.
 */
final class TrainingState {

  static final String FILE = "train-state.safetensors";

  private TrainingState() {}

  static void save(
      Path workDir,
      long completedSteps,
      TrainConfig config,
      Map<String, NDArray> params,
      AdamW adam,
      Ema ema)
      throws IOException {
    Files.createDirectories(workDir);
    Map<String, NDArray> all = new LinkedHashMap<>();
    params.forEach((k, v) -> all.put("param." + k, v));
    adam.firstMoments().forEach((k, v) -> all.put("adam_m." + k, v));
    adam.secondMoments().forEach((k, v) -> all.put("adam_v." + k, v));
    ema.weights().forEach((k, v) -> all.put("ema." + k, v));
    SafetensorsWriter.writeArrays(
        workDir.resolve(FILE),
        all,
        Map.of(
            "completed_steps",
            "" + completedSteps,
            "seed",
            "" + config.seed(),
            "config",
            quote(config.toString())));
  }

  /**
   * Restores a saved state into the live arrays; returns the completed step count, or 0 when there
   * is no state file.
   *
   * @throws IllegalStateException if the file belongs to a run with another seed or another
   *     geometry
   */
  static long restore(
      Path workDir, TrainConfig config, Map<String, NDArray> params, AdamW adam, Ema ema) {
    Path file = workDir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return 0;
    }
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      String seed = f.metadata().get("seed");
      if (!("" + config.seed()).equals(seed)) {
        throw new IllegalStateException(
            file
                + " was written by a run with seed "
                + seed
                + ", this run has seed "
                + config.seed()
                + "; use another --out directory or the same seed");
      }
      Map<String, HostTensor> tensors = f.readAll();
      copy(tensors, "param.", params, file);
      copy(tensors, "adam_m.", adam.firstMoments(), file);
      copy(tensors, "adam_v.", adam.secondMoments(), file);
      copy(tensors, "ema.", ema.weights(), file);
      return Long.parseLong(f.metadata().get("completed_steps"));
    }
  }

  /**
   * Loads a model directory exported by this recipe at the start of its second stage into the
   * parameters and the EMA (the stage restarts from the EMA, so nothing else is needed); returns
   * the stage's first step.
   *
   * @throws IllegalStateException if the recipe has no second stage, or the model was exported at
   *     another step or with another geometry
   */
  static long initFromModel(
      Path modelDir, TrainConfig config, Map<String, NDArray> params, Ema ema) {
    if (config.refine() == null) {
      throw new IllegalStateException("this recipe has no second stage to start from a model");
    }
    long from = config.refine().fromStep();
    Path modelFile = modelDir.resolve(ModelExport.MODEL_FILE);
    Path textFile = modelDir.resolve(dev.lumina.engine.text.TextEncoders.WEIGHTS_FILE);
    if (!Files.isRegularFile(modelFile) || !Files.isRegularFile(textFile)) {
      throw new IllegalStateException(
          modelDir
              + " holds no exported model ("
              + ModelExport.MODEL_FILE
              + " and "
              + dev.lumina.engine.text.TextEncoders.WEIGHTS_FILE
              + ")");
    }
    Map<String, HostTensor> tensors = new LinkedHashMap<>();
    try (SafetensorsFile f = SafetensorsFile.open(modelFile)) {
      String trained = f.metadata().get("trained_steps");
      if (!("" + from).equals(trained)) {
        throw new IllegalStateException(
            modelFile
                + " was exported at step "
                + trained
                + "; the second stage of this"
                + " recipe starts from the export at step "
                + from);
      }
      f.readAll().forEach((k, v) -> tensors.put("model." + k, v));
    }
    try (SafetensorsFile f = SafetensorsFile.open(textFile)) {
      f.readAll().forEach((k, v) -> tensors.put("text." + k, v));
    }
    copy(tensors, "", params, modelDir);
    copy(tensors, "", ema.weights(), modelDir);
    return from;
  }

  private static void copy(
      Map<String, HostTensor> tensors, String prefix, Map<String, NDArray> into, Path file) {
    for (Map.Entry<String, NDArray> e : into.entrySet()) {
      HostTensor t = tensors.get(prefix + e.getKey());
      if (t == null || t.data().length != e.getValue().getShape().size()) {
        throw new IllegalStateException(
            file
                + ": '"
                + prefix
                + e.getKey()
                + "' is missing or has another shape than "
                + e.getValue().getShape()
                + "; the state belongs to another model geometry");
      }
      e.getValue().set(t.data());
    }
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}

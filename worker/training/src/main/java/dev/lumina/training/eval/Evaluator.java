package dev.lumina.training.eval;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.Engines;
import dev.lumina.engine.attention.AttentionKernels;
import dev.lumina.engine.checkpoint.SafetensorsFile;
import dev.lumina.engine.model.FlagDit;
import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.model.TokenLayout;
import dev.lumina.engine.pytorch.PyTorch;
import dev.lumina.engine.sampling.OdeIntegrator;
import dev.lumina.engine.sampling.SeededNoise;
import dev.lumina.engine.sampling.Solver;
import dev.lumina.engine.sampling.StepCallback;
import dev.lumina.engine.sampling.TimeGrid;
import dev.lumina.engine.sampling.VelocityField;
import dev.lumina.engine.text.EncodedText;
import dev.lumina.engine.text.TextEncoder;
import dev.lumina.engine.text.TextEncoders;
import dev.lumina.training.data.CaptionGrammar;
import dev.lumina.training.data.Modality;
import dev.lumina.training.data.Sample;
import dev.lumina.training.data.Scene;
import dev.lumina.training.data.Split;
import dev.lumina.training.data.SyntheticDataset;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Scores prompt adherence of a trained synthetic-world model (a model directory written by {@code
 * lumina train}) without the cluster: prompts are canonical captions of scenes from the held-in and
 * held-out splits, samples come straight from the engine's flow-ODE sampler (Euler, classifier-free
 * guidance), and {@link SceneAnalyzer} reads colour, shape, grid cell and motion from each sample.
 *
 * <p>Sets: images at the training size (held-in, held-out); with {@link
 * EvalSettings#extrapolation()} images at 2× the training size and at 1:2 and 2:1 aspect
 * (NTK-scaled RoPE and proportional attention, flag-dit-spec §7.4); with {@link
 * EvalSettings#video()} clips (held-in, held-out; at most 32 per set).
 *
 * <p>Not thread-safe: one evaluation at a time. Runs on the calling thread, which it switches to
 * no-grad.
 */
public final class Evaluator implements AutoCloseable {

  private static final int CHUNK = 16;
  private static final int MAX_CLIPS = 32;

  private final FlagDit model;
  private final NDManager manager;
  private final TextEncoder encoder;
  private final int trainWidth;
  private final int trainHeight;
  private final int videoFrames;
  private final SceneAnalyzer analyzer = new SceneAnalyzer();
  private final CaptionGrammar grammar = new CaptionGrammar();

  private Evaluator(
      FlagDit model,
      NDManager manager,
      TextEncoder encoder,
      int trainWidth,
      int trainHeight,
      int videoFrames) {
    this.model = model;
    this.manager = manager;
    this.encoder = encoder;
    this.trainWidth = trainWidth;
    this.trainHeight = trainHeight;
    this.videoFrames = videoFrames;
  }

  /**
   * The time shift the trainer recommends for {@code modelDir} ({@code default_time_shift} of its
   * {@code model.json}); 1 when there is no card or it names none.
   *
   * @throws IllegalArgumentException if the card exists but cannot be read
   */
  public static float cardTimeShift(Path modelDir) {
    Path card = modelDir.resolve("model.json");
    if (!java.nio.file.Files.isRegularFile(card)) {
      return 1f;
    }
    try {
      com.google.gson.JsonObject o =
          com.google.gson.JsonParser.parseString(java.nio.file.Files.readString(card))
              .getAsJsonObject();
      return o.has("default_time_shift") ? o.get("default_time_shift").getAsFloat() : 1f;
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          card + ": cannot read default_time_shift: " + e.getMessage(), e);
    }
  }

  /**
   * Loads the model and text encoder of {@code modelDir}.
   *
   * @throws IOException if a file is missing or unreadable
   * @throws IllegalArgumentException if the directory is not a pixel-space synthetic-world model
   */
  public static Evaluator load(Path modelDir) throws IOException {
    Map<String, String> md;
    try (SafetensorsFile f = SafetensorsFile.open(modelDir.resolve("model.safetensors"))) {
      md = f.metadata();
    }
    if (!"true".equals(md.get("pixel_space"))) {
      throw new IllegalArgumentException(
          modelDir + ": the evaluator needs a pixel-space model (metadata pixel_space)");
    }
    Device device = Engine.getInstance().defaultDevice();
    FlagDit model = Engines.prepare(FlagDit.load(modelDir, device, AttentionKernels.best(device)));
    NDManager manager = NDManager.newBaseManager(device);
    try {
      TextEncoder encoder = TextEncoders.load(modelDir, manager);
      return new Evaluator(
          model,
          manager,
          encoder,
          Integer.parseInt(md.get("train_width")),
          Integer.parseInt(md.get("train_height")),
          Integer.parseInt(md.get("video_frames")));
    } catch (IOException | RuntimeException e) {
      manager.close();
      model.close();
      throw e;
    }
  }

  /**
   * Runs every set; {@code onSet} hears each score as soon as it is known. When {@code samplesDir}
   * is not null, each set's samples are written there as one PNG grid per set.
   *
   * @throws IOException if a sample grid cannot be written
   */
  public List<SetScore> evaluate(EvalSettings s, Path samplesDir, Consumer<SetScore> onSet)
      throws IOException {
    PyTorch.setGradMode(false);
    SyntheticDataset data = new SyntheticDataset(s.seed(), trainWidth, trainHeight, videoFrames, 4);
    List<SetScore> out = new ArrayList<>();
    String size = trainWidth + "x" + trainHeight;
    out.add(
        report(
            onSet,
            images(
                "image " + size + " held-in",
                data,
                Split.TRAIN,
                trainWidth,
                trainHeight,
                s,
                samplesDir)));
    out.add(
        report(
            onSet,
            images(
                "image " + size + " held-out",
                data,
                Split.HELD_OUT,
                trainWidth,
                trainHeight,
                s,
                samplesDir)));
    if (s.extrapolation()) {
      out.add(
          report(
              onSet,
              images(
                  "image " + 2 * trainWidth + "x" + 2 * trainHeight + " held-in",
                  data,
                  Split.TRAIN,
                  2 * trainWidth,
                  2 * trainHeight,
                  s,
                  samplesDir)));
      out.add(
          report(
              onSet,
              images(
                  "image " + trainWidth + "x" + 2 * trainHeight + " (1:2) held-in",
                  data,
                  Split.TRAIN,
                  trainWidth,
                  2 * trainHeight,
                  s,
                  samplesDir)));
      out.add(
          report(
              onSet,
              images(
                  "image " + 2 * trainWidth + "x" + trainHeight + " (2:1) held-in",
                  data,
                  Split.TRAIN,
                  2 * trainWidth,
                  trainHeight,
                  s,
                  samplesDir)));
    }
    if (s.video()) {
      out.add(
          report(
              onSet,
              clips(
                  "video " + size + "x" + videoFrames + " held-in",
                  data,
                  Split.TRAIN,
                  s,
                  samplesDir)));
      out.add(
          report(
              onSet,
              clips(
                  "video " + size + "x" + videoFrames + " held-out",
                  data,
                  Split.HELD_OUT,
                  s,
                  samplesDir)));
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * The {@link CaptionProbe} on {@code pictures} training pictures of the dataset with seed {@code
   * datasetSeed} (the training run's seed probes pictures the model was trained on), as a printable
   * table.
   */
  public String captionProbe(long datasetSeed, int pictures, long noiseSeed) {
    PyTorch.setGradMode(false);
    return CaptionProbe.measure(
            model, encoder, manager, datasetSeed, trainWidth, trainHeight, pictures, noiseSeed)
        .table();
  }

  private static SetScore report(Consumer<SetScore> onSet, SetScore score) {
    onSet.accept(score);
    return score;
  }

  private SetScore images(
      String name,
      SyntheticDataset data,
      Split split,
      int width,
      int height,
      EvalSettings s,
      Path samplesDir)
      throws IOException {
    long start = System.nanoTime();
    List<Scene> scenes = scenes(data, Modality.IMAGE, split, s.samplesPerSet());
    ForwardOptions options = options(width, height);
    List<BufferedImage> pictures = new ArrayList<>();
    int color = 0;
    int shape = 0;
    int cell = 0;
    for (int from = 0; from < scenes.size(); from += CHUNK) {
      List<Scene> chunk = scenes.subList(from, Math.min(scenes.size(), from + CHUNK));
      float[] px = sample(chunk, TokenLayout.image(height, width), options, s, s.seed() + from);
      int per = 3 * width * height;
      for (int i = 0; i < chunk.size(); i++) {
        BufferedImage img = Sample.toImage(px, i * per, width, height);
        pictures.add(img);
        Scene.Image truth = (Scene.Image) chunk.get(i);
        var reading = analyzer.analyze(img);
        if (reading.isPresent()) {
          color += reading.get().color() == truth.color() ? 1 : 0;
          shape += reading.get().shape() == truth.shape() ? 1 : 0;
          cell += reading.get().cell() == truth.cell() ? 1 : 0;
        }
      }
    }
    SampleGrid.write(samplesDir, name, pictures, prompts(scenes));
    double n = scenes.size();
    return new SetScore(
        name,
        scenes.size(),
        color / n,
        shape / n,
        cell / n,
        Double.NaN,
        (System.nanoTime() - start) / 1e9);
  }

  private SetScore clips(
      String name, SyntheticDataset data, Split split, EvalSettings s, Path samplesDir)
      throws IOException {
    long start = System.nanoTime();
    List<Scene> scenes =
        scenes(data, Modality.VIDEO, split, Math.min(MAX_CLIPS, s.samplesPerSet()));
    int w = trainWidth;
    int h = trainHeight;
    List<BufferedImage> frames = new ArrayList<>();
    int color = 0;
    int shape = 0;
    int motion = 0;
    for (int from = 0; from < scenes.size(); from += CHUNK / 2) {
      List<Scene> chunk = scenes.subList(from, Math.min(scenes.size(), from + CHUNK / 2));
      float[] px =
          sample(
              chunk,
              TokenLayout.video(videoFrames, h, w),
              ForwardOptions.DEFAULT,
              s,
              s.seed() + from);
      int per = 3 * w * h;
      for (int i = 0; i < chunk.size(); i++) {
        List<BufferedImage> clip = new ArrayList<>();
        for (int f = 0; f < videoFrames; f++) {
          clip.add(Sample.toImage(px, (i * videoFrames + f) * per, w, h));
        }
        frames.addAll(clip);
        Scene.Video truth = (Scene.Video) chunk.get(i);
        var middle = analyzer.analyze(clip.get(videoFrames / 2));
        if (middle.isPresent()) {
          color += middle.get().color() == truth.color() ? 1 : 0;
          shape += middle.get().shape() == truth.shape() ? 1 : 0;
        }
        motion += analyzer.motion(clip).orElse(null) == truth.direction() ? 1 : 0;
      }
    }
    SampleGrid.write(samplesDir, name, frames, prompts(scenes));
    double n = scenes.size();
    return new SetScore(
        name,
        scenes.size(),
        color / n,
        shape / n,
        Double.NaN,
        motion / n,
        (System.nanoTime() - start) / 1e9);
  }

  private List<Scene> scenes(SyntheticDataset data, Modality modality, Split split, int n) {
    List<Scene> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(data.sample(modality, split, 1_000_000L + i).scene());
    }
    return out;
  }

  private List<String> prompts(List<Scene> scenes) {
    List<String> out = new ArrayList<>();
    scenes.forEach(sc -> out.add(grammar.canonical(sc)));
    return out;
  }

  /**
   * NTK-scaled RoPE and proportional attention relative to the training size; plain at the training
   * size.
   */
  private ForwardOptions options(int width, int height) {
    int p = model.config().patchSize();
    if (width == trainWidth && height == trainHeight) {
      return ForwardOptions.DEFAULT;
    }
    long base = TokenLayout.image(trainHeight, trainWidth).tokenCount(p);
    double ntk =
        ((double) (width / p) * (height / p)) / ((double) (trainWidth / p) * (trainHeight / p));
    return new ForwardOptions(true, Math.toIntExact(base), Math.max(1.0, ntk), 1.0);
  }

  /** Samples one chunk; returns pixels {@code [n, F, 3, H, W]} (F = 1 for images) in [-1, 1]. */
  private float[] sample(
      List<Scene> scenes, TokenLayout layout, ForwardOptions options, EvalSettings s, long seed) {
    int n = scenes.size();
    List<String> captions = new ArrayList<>(prompts(scenes));
    for (int i = 0; i < n; i++) {
      captions.add("");
    }
    try (NDManager m = manager.newSubManager()) {
      EncodedText text = encoder.encode(captions, m);
      Shape one = layout.latentShape(3);
      long[] dims = new long[one.dimension() + 1];
      dims[0] = n;
      System.arraycopy(one.getShape(), 0, dims, 1, one.dimension());
      NDArray x0 = SeededNoise.gaussian(m, seed, new Shape(dims));
      VelocityField field = (x, t) -> guided(x, t, text, layout, options, n, s.cfgScale());
      NDArray result =
          OdeIntegrator.of(Solver.EULER)
              .integrate(
                  field, x0, TimeGrid.shifted(s.steps(), s.timeShift()), StepCallback.NONE, false)
              .last();
      return result.toFloatArray();
    }
  }

  private NDArray guided(
      NDArray x,
      float t,
      EncodedText text,
      TokenLayout layout,
      ForwardOptions options,
      int n,
      float cfg) {
    NDManager m = x.getManager();
    NDArray both = x.concat(x, 0);
    NDArray times = m.full(new Shape(2L * n), t);
    NDArray v;
    if (layout.kind() == TokenLayout.Kind.IMAGE) {
      v = model.forward(both, times, text.features(), text.mask(), options);
    } else {
      List<NDArray> latents = new ArrayList<>();
      List<TokenLayout> layouts = new ArrayList<>();
      for (int i = 0; i < 2 * n; i++) {
        latents.add(both.get(i));
        layouts.add(layout);
      }
      v =
          NDArrays.stack(
              new NDList(
                  model.forward(latents, layouts, times, text.features(), text.mask(), options)));
    }
    NDArray cond = v.get(new NDIndex(":{}", n));
    NDArray uncond = v.get(new NDIndex("{}:", n));
    return uncond.add(cond.sub(uncond).mul(cfg));
  }

  @Override
  public void close() {
    encoder.close();
    manager.close();
    model.close();
  }
}

package dev.lumina.training.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.model.FlagDit;
import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.text.EncodedText;
import dev.lumina.engine.text.TextEncoder;
import dev.lumina.training.data.Modality;
import dev.lumina.training.data.Sample;
import dev.lumina.training.data.Split;
import dev.lumina.training.data.SyntheticDataset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * How much of a picture a model takes from its caption: the squared error of the model's
 * clean-picture estimate x̂1 = x_t + (1 − t)·v at t = 0 — pure noise, so whatever it gets right
 * came from the text — on training pictures, split into the object's pixels ({@link
 * Sample#foregroundMask}) and the background's, once with the true captions, once with "" and once
 * with another picture's caption. A model that reads the caption has a clearly lower error with the
 * true one; a model that ignores it scores the same three times.
 *
 * <p>Deterministic: the pictures are training samples {@value #FIRST_INDEX}… of the dataset, the
 * noise comes from {@code new Random(noiseSeed)}.
 */
final class CaptionProbe {

  static final long FIRST_INDEX = 5000;

  /** Mean squared error on the object's and on the background's pixels, per caption kind. */
  record Result(
      int pictures,
      float objectTrue,
      float objectEmpty,
      float objectWrong,
      float backgroundTrue,
      float backgroundEmpty,
      float backgroundWrong) {

    /** A small table, one row per pixel kind. */
    String table() {
      return String.format(
          java.util.Locale.ROOT,
          "x̂1 error at t = 0 on %d training pictures   caption      \"\"   wrong caption%n"
              + "object pixels                                %7.3f %7.3f %15.3f%n"
              + "background pixels                            %7.3f %7.3f %15.3f%n",
          pictures,
          objectTrue,
          objectEmpty,
          objectWrong,
          backgroundTrue,
          backgroundEmpty,
          backgroundWrong);
    }
  }

  private CaptionProbe() {}

  static Result measure(
      FlagDit model,
      TextEncoder encoder,
      NDManager parent,
      long datasetSeed,
      int width,
      int height,
      int pictures,
      long noiseSeed) {
    if (pictures < 2) {
      throw new IllegalArgumentException(
          "the caption probe needs at least 2 pictures, got " + pictures);
    }
    SyntheticDataset data = new SyntheticDataset(datasetSeed, width, height, 2, 4);
    int plane = width * height;
    float[] pixels = new float[pictures * 3 * plane];
    float[] mask = new float[pictures * plane];
    List<String> captions = new ArrayList<>();
    for (int i = 0; i < pictures; i++) {
      Sample s = data.sample(Modality.IMAGE, Split.TRAIN, FIRST_INDEX + i);
      System.arraycopy(s.pixels(), 0, pixels, i * 3 * plane, 3 * plane);
      System.arraycopy(s.foregroundMask(), 0, mask, i * plane, plane);
      captions.add(s.caption());
    }
    List<String> wrong = new ArrayList<>(captions);
    Collections.rotate(wrong, 7 % pictures == 0 ? 1 : 7);
    Random r = new Random(noiseSeed);
    float[] noise = new float[pixels.length];
    for (int k = 0; k < noise.length; k++) {
      noise[k] = (float) r.nextGaussian();
    }
    try (NDManager m = parent.newSubManager()) {
      NDArray x1 = m.create(pixels, new Shape(pictures, 3, height, width));
      NDArray x0 = m.create(noise, new Shape(pictures, 3, height, width));
      NDArray object = m.create(mask, new Shape(pictures, 1, height, width));
      NDArray background = object.neg().add(1f);
      NDArray t = m.zeros(new Shape(pictures));
      float[] objectError = new float[3];
      float[] backgroundError = new float[3];
      List<List<String>> kinds = List.of(captions, Collections.nCopies(pictures, ""), wrong);
      for (int k = 0; k < 3; k++) {
        EncodedText text = encoder.encode(kinds.get(k), m);
        NDArray v = model.forward(x0, t, text.features(), text.mask(), ForwardOptions.DEFAULT);
        NDArray squared = x0.add(v).sub(x1).square();
        objectError[k] = squared.mul(object).sum().getFloat() / (3 * object.sum().getFloat());
        backgroundError[k] =
            squared.mul(background).sum().getFloat() / (3 * background.sum().getFloat());
      }
      return new Result(
          pictures,
          objectError[0],
          objectError[1],
          objectError[2],
          backgroundError[0],
          backgroundError[1],
          backgroundError[2]);
    }
  }
}

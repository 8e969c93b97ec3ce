package dev.lumina.training;

import dev.lumina.training.data.Modality;
import dev.lumina.training.data.Sample;
import dev.lumina.training.data.Split;
import dev.lumina.training.data.SyntheticDataset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One training step's inputs in host memory, built deterministically from the run's seed and the
 * step number (so a resumed run sees exactly the batches it would have seen).
 *
 * @param modality what the samples are
 * @param size samples in the batch
 * @param frames frames per sample (1 for images)
 * @param data clean pixels x1, {@code [B, F, 3, H, W]} in [-1, 1]
 * @param noise x0 ~ N(0, 1), same layout
 * @param times t per sample: u ~ U(0, 1) mapped by the config's time shift
 * @param pixelWeights per-pixel loss weights {@code [B, F, H, W]}: 1 on the background, 1 + the
 *     config's foreground weight on the object
 * @param captions prompts (some replaced by "" for classifier-free guidance)
 */
record Batch(
    Modality modality,
    int size,
    int frames,
    float[] data,
    float[] noise,
    float[] times,
    float[] pixelWeights,
    List<String> captions) {

  /** The batch of step {@code step} (0-based). */
  static Batch forStep(TrainConfig c, SyntheticDataset dataset, long step) {
    SplittableRandom r = new SplittableRandom(c.seed() * 0x9E3779B97F4A7C15L + step);
    double pick = r.nextDouble();
    double video = c.videoFractionAt(step);
    Modality modality =
        pick < video
            ? Modality.VIDEO
            : pick < video + c.multiViewFractionAt(step) ? Modality.MULTI_VIEW : Modality.IMAGE;
    int size =
        switch (modality) {
          case IMAGE -> c.batchSize();
          case VIDEO -> c.videoBatchSize();
          case MULTI_VIEW -> c.multiViewBatchSize();
        };
    int frames =
        switch (modality) {
          case IMAGE -> 1;
          case VIDEO -> c.videoFrames();
          case MULTI_VIEW -> c.views();
        };
    int per = frames * 3 * c.width() * c.height();
    float[] data = new float[size * per];
    float[] noise = new float[size * per];
    float[] times = new float[size];
    int plane = frames * c.width() * c.height();
    float[] pixelWeights = new float[size * plane];
    List<String> captions = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      Sample s = dataset.sample(modality, Split.TRAIN, step * size + i);
      System.arraycopy(s.pixels(), 0, data, i * per, per);
      float[] mask = s.foregroundMask();
      for (int k = 0; k < plane; k++) {
        pixelWeights[i * plane + k] = (float) (1 + c.foregroundWeight() * mask[k]);
      }
      double u = r.nextDouble();
      times[i] = (float) (u / (u + c.timeShift() * (1 - u)));
      captions.add(r.nextDouble() < c.captionDropout() ? "" : s.caption());
    }
    for (int i = 0; i < noise.length; i++) {
      noise[i] = (float) r.nextGaussian();
    }
    return new Batch(
        modality, size, frames, data, noise, times, pixelWeights, List.copyOf(captions));
  }
}

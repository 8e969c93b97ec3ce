package dev.lumina.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.lumina.engine.attention.AttentionKernel;
import dev.lumina.engine.attention.AttentionKernels;
import dev.lumina.engine.attention.NaiveAttention;
import dev.lumina.engine.pytorch.PyTorch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The forward is differentiable: an MSE loss on a tiny pixel-space model gives every parameter a
 * finite, non-zero gradient (after AdamW steps move the zero-initialised adaLN, gates and final
 * layer off zero), and one weight's analytic gradient matches central differences.
 */
class FlagDitGradientTest {

  /** Pixel space: C = 3, no learn_sigma, p = 2, D = 32, 2 layers, 2 heads, Cy = 8. */
  static final FlagDitConfig PIXEL =
      new FlagDitConfig(32, 2, 2, 2, true, 8, 2, 3, false, 64, 1e-5f, 10000, 32, 10000, false);

  /** Optimiser steps: the zero-initialised chain is three deep, so the fourth backward sees all. */
  private static final int STEPS = 4;

  private record Batch(NDArray x, NDArray t, NDArray cap, NDArray mask, NDArray target) {}

  private static Batch batch(NDManager m) {
    Engine.getInstance().setRandomSeed(5);
    return new Batch(
        m.randomNormal(new Shape(2, 3, 4, 6)),
        m.create(new float[] {0.25f, 0.8f}),
        m.randomNormal(new Shape(2, 3, 8)),
        m.create(new float[] {1, 1, 1, 1, 1, 0}, new Shape(2, 3)),
        m.randomNormal(new Shape(2, 3, 4, 6)));
  }

  private static NDArray loss(FlagDit model, Batch b) {
    NDArray v = model.forward(b.x(), b.t(), b.cap(), b.mask(), ForwardOptions.DEFAULT);
    return v.sub(b.target()).square().mean();
  }

  @Test
  void everyParameterGetsAFiniteNonZeroGradientWithNaiveAndFusedAttention() {
    Device cpu = Engine.getInstance().defaultDevice();
    for (AttentionKernel kernel : List.of(new NaiveAttention(), AttentionKernels.best(cpu))) {
      PyTorch.setGradMode(true);
      try (NDManager weights = NDManager.newBaseManager();
          NDManager data = NDManager.newBaseManager()) {
        FlagDit model = FlagDit.initialize(PIXEL, weights, 11, kernel);
        Batch b = batch(data);
        model.parameters().values().forEach(p -> p.setRequiresGradient(true));
        Optimizer adamw = Optimizer.adamW().optLearningRateTracker(Tracker.fixed(1e-2f)).build();
        for (int step = 0; step < STEPS; step++) {
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(loss(model, b));
          }
          List<String> zero = new ArrayList<>();
          for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            try (NDArray g = e.getValue().getGradient()) {
              float[] gv = g.toFloatArray();
              double norm = 0;
              for (float f : gv) {
                assertThat(Float.isFinite(f))
                    .as(kernel + " grad of " + e.getKey() + " finite")
                    .isTrue();
                norm += Math.abs(f);
              }
              if (norm == 0) {
                zero.add(e.getKey());
              }
            }
          }
          if (step == STEPS - 1) {
            // Zero init chains final linear -> adaLN -> gates -> text k/v: after three AdamW
            // steps every parameter takes part in the loss.
            // pad_token only fills pad positions, which are masked as keys and dropped as outputs.
            assertThat(zero)
                .as(kernel + ": parameters with an all-zero gradient")
                .containsExactly("pad_token");
          } else if (step == 0) {
            // At init adaLN and the final layer are zero, so only these can receive gradient.
            assertThat(zero).as(kernel + " step 0").contains("layers.0.attention.wq.weight");
            assertThat(zero).doesNotContain("final_layer.linear.weight", "final_layer.linear.bias");
          }
          for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            try (NDArray g = e.getValue().getGradient()) {
              adamw.update(e.getKey(), e.getValue(), g);
            }
          }
        }
      }
    }
  }

  @Test
  void analyticGradientOfOneWeightMatchesCentralDifferences() {
    PyTorch.setGradMode(true);
    try (NDManager weights = NDManager.newBaseManager();
        NDManager data = NDManager.newBaseManager()) {
      FlagDit model =
          FlagDit.fromParameters(
              PIXEL, EngineTest.randomised(weights, PIXEL), new NaiveAttention());
      Batch b = batch(data);
      String key = "layers.1.attention.wq.weight";
      NDArray w = model.parameters().get(key);
      w.setRequiresGradient(true);
      float[] analytic;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        gc.backward(loss(model, b));
      }
      try (NDArray g = w.getGradient()) {
        analytic = g.toFloatArray();
      }
      PyTorch.setGradMode(false);
      float[] base = w.toFloatArray();
      double h = 1e-2;
      int checked = 0;
      double maxRel = 0;
      for (int idx = 0; idx < base.length; idx += 97) {
        double plus = perturbed(model, b, w, base, idx, (float) h);
        double minus = perturbed(model, b, w, base, idx, (float) -h);
        double numeric = (plus - minus) / (2 * h);
        double scale = Math.max(1e-3, Math.abs(numeric) + Math.abs(analytic[idx]));
        maxRel = Math.max(maxRel, Math.abs(numeric - analytic[idx]) / scale);
        checked++;
      }
      w.set(base);
      PyTorch.setGradMode(true);
      assertThat(checked).isGreaterThan(5);
      assertThat(maxRel)
          .as("max relative |numeric - analytic| over " + checked + " entries")
          .isLessThan(2e-2);
    }
  }

  private static double perturbed(
      FlagDit model, Batch b, NDArray w, float[] base, int idx, float h) {
    float[] v = base.clone();
    v[idx] += h;
    w.set(v);
    try (NDArray l = loss(model, b)) {
      return l.getFloat();
    }
  }
}

package dev.lumina.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Validation of a forward call's conditioning inputs, with errors naming the field and limit. */
final class ForwardInputs {

  private ForwardInputs() {}

  static void check(FlagDitConfig c, int batch, NDArray t, NDArray capFeats, NDArray capMask) {
    if (!t.getShape().equals(new Shape(batch))) {
      throw new IllegalArgumentException("t must have shape [" + batch + "], got " + t.getShape());
    }
    Shape cs = capFeats.getShape();
    if (cs.dimension() != 3 || cs.get(0) != batch || cs.get(2) != c.capFeatDim()) {
      throw new IllegalArgumentException(
          "capFeats must have shape [" + batch + ", L, " + c.capFeatDim() + "], got " + cs);
    }
    if (!capMask.getShape().equals(new Shape(batch, cs.get(1)))) {
      throw new IllegalArgumentException(
          "capMask must have shape [" + batch + ", " + cs.get(1) + "], got " + capMask.getShape());
    }
  }
}

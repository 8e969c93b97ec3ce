package dev.lumina.engine.checkpoint;

import ai.djl.ndarray.NDArray;
import java.util.Collection;

/** Sizes of loaded parameter sets. Stateless. */
public final class Parameters {
  private Parameters() {}

  /** Bytes the arrays take on their device (elements × bytes of their data type). */
  public static long bytes(Collection<NDArray> arrays) {
    return arrays.stream().mapToLong(a -> a.size() * a.getDataType().getNumOfBytes()).sum();
  }
}

package dev.lumina.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.checkpoint.SafetensorsFile;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;

/** Test access to the reference parity vectors under src/test/resources/parity. */
final class ParityVectors {

  private ParityVectors() {}

  static Path dir(String set) {
    try {
      return Path.of(
              ParityVectors.class.getResource("/parity/" + set + "/model.safetensors").toURI())
          .getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, HostTensor> read(Path file) {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      return f.readAll();
    }
  }

  static NDArray array(NDManager m, HostTensor t) {
    return m.create(t.data(), new Shape(t.shape()));
  }

  /** Asserts max|Δ| ≤ 1e-4 · max(1, max|ref|). */
  static void assertClose(String name, NDArray actual, HostTensor expected) {
    assertThat(actual.getShape().getShape()).as(name + " shape").containsExactly(expected.shape());
    float[] a = actual.toFloatArray();
    float maxRef = 0;
    float maxErr = 0;
    for (int i = 0; i < a.length; i++) {
      maxRef = Math.max(maxRef, Math.abs(expected.data()[i]));
      maxErr = Math.max(maxErr, Math.abs(a[i] - expected.data()[i]));
    }
    float tol = 1e-4f * Math.max(1f, maxRef);
    assertThat(maxErr).as(name + " max|Δ| (tolerance " + tol + ")").isLessThanOrEqualTo(tol);
  }
}

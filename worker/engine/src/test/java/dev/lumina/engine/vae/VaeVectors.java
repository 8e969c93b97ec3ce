package dev.lumina.engine.vae;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.checkpoint.SafetensorsFile;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;

/** Test access to the sdxl-vae-decoder-dev reference vectors. */
final class VaeVectors {

  static final String SET = "sdxl-vae-decoder-dev";

  private VaeVectors() {}

  static Path dir() {
    try {
      return Path.of(VaeVectors.class.getResource("/parity/" + SET + "/inputs.safetensors").toURI())
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

  /** max|a - b| after checking the shapes agree. */
  static double maxAbsDiff(NDArray actual, HostTensor expected) {
    assertThat(actual.getShape().getShape()).containsExactly(expected.shape());
    float[] a = actual.toFloatArray();
    double err = 0;
    for (int i = 0; i < a.length; i++) {
      err = Math.max(err, Math.abs((double) a[i] - expected.data()[i]));
    }
    return err;
  }

  /** Asserts max|Δ| ≤ 1e-4 · max(1, max|ref|). */
  static void assertClose(String name, NDArray actual, HostTensor expected) {
    double maxRef = 0;
    for (float v : expected.data()) {
      maxRef = Math.max(maxRef, Math.abs(v));
    }
    double tol = 1e-4 * Math.max(1, maxRef);
    assertThat(maxAbsDiff(actual, expected))
        .as(name + " max|Δ| (tolerance " + tol + ")")
        .isLessThanOrEqualTo(tol);
  }
}

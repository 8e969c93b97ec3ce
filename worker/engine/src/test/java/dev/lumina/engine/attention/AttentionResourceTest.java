package dev.lumina.engine.attention;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Memory at 16K tokens and array bookkeeping over many calls, for both kernels. */
class AttentionResourceTest {

  private static final long GIB = 1L << 30;

  @Test
  void sixteenThousandTokensStayFarBelowTheFullScoreMatrix() throws IOException {
    AttentionFixtures.gradOff();
    int n = 16_384;
    // Full fp32 scores for B=1, H=2 would be 2 GiB, and the softmax output another 2 GiB.
    try (NDManager m = NDManager.newBaseManager();
        TorchScriptSdpa fused = TorchScriptSdpa.create()) {
      Engine.getInstance().setRandomSeed(5);
      NDArray q = m.randomNormal(new Shape(1, 2, n, 32));
      NDArray k = m.randomNormal(new Shape(1, 2, n, 32));
      NDArray v = m.randomNormal(new Shape(1, 2, n, 32));
      NDArray mask = AttentionFixtures.keyMask(m, 1, n, new int[] {n - 100});
      long calibration = PeakRss.resetAndRead();
      try (NDArray ballast = m.ones(new Shape(64L << 20))) { // 256 MiB, every page touched
        assertThat(PeakRss.resetAndRead() - calibration)
            .as("the peak-RSS meter sees a 256 MiB allocation")
            .isGreaterThan(200L << 20);
      }
      for (AttentionKernel kernel : new AttentionKernel[] {fused, new ChunkedAttention()}) {
        long before = PeakRss.resetAndRead();
        long t0 = System.nanoTime();
        try (NDArray out = kernel.attend(q, k, v, mask, 1f / (float) Math.sqrt(32))) {
          assertThat(out.getShape()).isEqualTo(new Shape(1, 2, n, 32));
          assertThat(out.isInfinite().any().getBoolean()).isFalse();
          assertThat(out.isNaN().any().getBoolean()).isFalse();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        long growth = PeakRss.resetAndRead() - before;
        System.out.printf(
            "16K attention %s: %d ms, peak RSS growth %d MiB%n", kernel, ms, growth >> 20);
        assertThat(growth).isLessThan(GIB);
      }
    }
  }

  @Test
  void manyCallsLeaveNoArraysBehind() {
    AttentionFixtures.gradOff();
    AttentionKernel[] kernels = {
      AttentionKernels.best(Device.cpu()), new ChunkedAttention(1000), TorchScriptSdpa.create()
    };
    assertThat(kernels[0]).isInstanceOf(TorchScriptSdpa.class);
    try (NDManager base = NDManager.newBaseManager()) {
      NDArray mask = AttentionFixtures.keyMask(base, 2, 24, new int[] {24, 9});
      for (AttentionKernel kernel : kernels) {
        int before = base.getManagedArrays().size();
        for (int i = 0; i < 300; i++) {
          try (NDManager request = base.newSubManager()) {
            NDArray q = request.randomNormal(new Shape(2, 2, 24, 8));
            q.setName("layers.0.q"); // a dotted name must not turn the input into a dict
            NDArray out = kernel.attend(q, q, q, i % 2 == 0 ? mask : null, 0.3f);
            assertThat(out.getManager()).isSameAs(request);
            assertThat(request.getManagedArrays()).hasSize(2);
          }
        }
        assertThat(base.getManagedArrays()).hasSize(before);
      }
      ((TorchScriptSdpa) kernels[2]).close();
    }
  }

  /** Peak resident set size of this process, from /proc (Linux). */
  static final class PeakRss {
    private PeakRss() {}

    /** Resets the peak to the current RSS (where the kernel allows) and returns it in bytes. */
    static long resetAndRead() throws IOException {
      Path clear = Path.of("/proc/self/clear_refs");
      try {
        Files.writeString(clear, "5");
      } catch (IOException | SecurityException e) {
        // Without reset rights the peak only grows; the growth is then an upper bound.
      }
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
      throw new IOException("VmHWM missing from /proc/self/status");
    }
  }
}

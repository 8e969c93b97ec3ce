package dev.lumina.engine.attention;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the attention kernel for a device: {@link TorchScriptSdpa} when the engine loads and runs
 * it there, otherwise {@link ChunkedAttention}, with one log line saying why.
 *
 * <p>The probe runs once per device per JVM; later calls return the cached choice. Thread-safe.
 */
public final class AttentionKernels {

  private static final Logger LOG = LoggerFactory.getLogger(AttentionKernels.class);
  private static final Map<Device, AttentionKernel> BEST = new ConcurrentHashMap<>();
  private static volatile TorchScriptSdpa fused;

  private AttentionKernels() {}

  /** The fastest kernel that works on {@code device}; never null. */
  public static AttentionKernel best(Device device) {
    Objects.requireNonNull(device, "device");
    return BEST.computeIfAbsent(device, AttentionKernels::probe);
  }

  private static AttentionKernel probe(Device device) {
    try {
      TorchScriptSdpa kernel = fusedKernel();
      try (NDManager m = dev.lumina.engine.pytorch.PyTorch.newManager(device)) {
        NDArray x = m.ones(new Shape(1, 1, 4, 8));
        NDArray mask = m.ones(new Shape(1, 4));
        NDArray out = kernel.attend(x, x, x, mask, 0.5f);
        if (!out.getShape().equals(x.getShape())) {
          throw new IllegalStateException("SDPA probe returned shape " + out.getShape());
        }
      }
      LOG.info("attention on {}: fused scaled_dot_product_attention via TorchScript", device);
      return kernel;
    } catch (RuntimeException | LinkageError e) {
      LOG.warn(
          "attention on {}: TorchScript SDPA unavailable ({}); using chunked attention",
          device,
          e.toString());
      return new ChunkedAttention();
    }
  }

  private static synchronized TorchScriptSdpa fusedKernel() {
    if (fused == null) {
      fused = TorchScriptSdpa.create();
    }
    return fused;
  }
}

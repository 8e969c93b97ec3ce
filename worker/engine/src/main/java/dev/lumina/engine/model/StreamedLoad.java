package dev.lumina.engine.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.attention.AttentionKernel;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.checkpoint.Metadata;
import dev.lumina.engine.checkpoint.SafetensorsFile;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loading a Flag-DiT from one safetensors file without holding the checkpoint in the heap.
 * Stateless.
 */
final class StreamedLoad {
  private StreamedLoad() {}

  /**
   * Loads one safetensors file tensor by tensor: each is read from the memory-mapped file, widened
   * to float32 and handed to the engine before the next is read, so the Java heap holds one tensor
   * at a time (a 20 GB release never sits in the heap whole).
   */
  static FlagDit load(Path file, Device device, AttentionKernel kernel) {
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      Metadata md = new Metadata(f.metadata());
      Map<String, long[]> shapes = new LinkedHashMap<>();
      f.entries().forEach((k, e) -> shapes.put(k, e.shape()));
      FlagDitConfig config = FlagDitConfig.infer(md, shapes);
      ParameterSpec.validate(config, shapes);
      NDManager m = NDManager.newBaseManager(device);
      try {
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (String name : f.names()) {
          params.put(name, toArray(name, f.read(name), m));
        }
        m.cap();
        boolean data = md.string(FlagDit.PREDICTION_KEY).map("data"::equals).orElse(false);
        return new FlagDit(config, params, kernel, m, device, data);
      } catch (RuntimeException e) {
        m.close();
        throw e;
      }
    }
  }

  /** Parameter {@code key} in {@code m}, named so TorchScript modules can take it as an input. */
  static NDArray toArray(String key, HostTensor t, NDManager m) {
    NDArray a = m.create(t.data(), new Shape(t.shape()));
    a.setName(key.replace('.', '_'));
    return a;
  }
}

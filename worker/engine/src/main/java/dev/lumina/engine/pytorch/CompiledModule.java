package dev.lumina.engine.pytorch;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * A generated module loaded with its prepared weights list (see {@link ScriptBuilder#build}):
 * {@link #forward} passes that list first. Thread-safe; {@link #close} must not race with calls.
 */
public final class CompiledModule implements AutoCloseable {

  private final ScriptedModule module;
  private final ScriptValue weights;
  private final List<String> lowKeys;
  private final long lowBytes;

  CompiledModule(ScriptedModule module, ScriptValue weights, List<String> lowKeys, long lowBytes) {
    this.module = module;
    this.weights = weights;
    this.lowKeys = List.copyOf(lowKeys);
    this.lowBytes = lowBytes;
  }

  /** {@code forward(weights, args...)}, the result attached to the first NDArray argument's. */
  public NDArray forward(Object... args) {
    Object[] all = new Object[args.length + 1];
    all[0] = weights;
    System.arraycopy(args, 0, all, 1, args.length);
    return module.invoke("forward", all);
  }

  /** Keys of the weights held as the module's own bfloat16 copies (none in float32). */
  public List<String> lowPrecisionKeys() {
    return lowKeys;
  }

  /** Bytes of those copies (0 in float32: the module reads the model's own arrays). */
  public long lowPrecisionBytes() {
    return lowBytes;
  }

  @Override
  public void close() {
    weights.close();
    module.close();
  }
}

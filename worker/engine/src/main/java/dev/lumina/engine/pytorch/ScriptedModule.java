package dev.lumina.engine.pytorch;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A loaded TorchScript module without parameters whose {@code forward} takes tensors and returns
 * one tensor. Because it owns no tensors it runs on whatever device its inputs live on.
 *
 * <p>{@link #call} records autograd whenever grad mode is on (its outputs can then be saved by
 * later differentiable ops); with grad mode off it runs under libtorch's inference guard. Inputs
 * are passed positionally: an input whose DJL name would make DJL pack it into a dict, list or
 * tuple (a name with {@code "."}, {@code "x[]"}, {@code "x()"} or {@code "module_method:"}) is
 * replaced by an unnamed view for the call, so the caller's arrays are never renamed.
 *
 * <p>Thread-safe: libtorch runs one scripted module from several threads at once; {@link #close}
 * must not race with calls.
 */
public final class ScriptedModule implements AutoCloseable {

  private final NDManager manager;
  private final PtSymbolBlock block;
  private final String name;

  private ScriptedModule(NDManager manager, PtSymbolBlock block, String name) {
    this.manager = manager;
    this.block = block;
    this.name = name;
  }

  /**
   * Loads the archive at {@code path} (see {@link TorchScriptArchive}).
   *
   * @throws ai.djl.engine.EngineException if libtorch rejects the archive (bad source, bad format)
   */
  public static ScriptedModule load(Path path, String name) {
    Objects.requireNonNull(path, "path");
    NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    try {
      PtSymbolBlock block =
          JniUtils.loadModule(
              (PtNDManager) manager, path, true, new String[0], new String[0], false);
      return new ScriptedModule(manager, block, name);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** Writes {@code methods} as class {@code className} to a temporary archive and loads it. */
  public static ScriptedModule compile(String className, String methods) {
    return load(TorchScriptArchive.writeTemp(className, methods), className);
  }

  /**
   * Runs {@code forward(inputs...)}. The result is attached to the manager of {@code inputs[0]}.
   *
   * @throws IllegalArgumentException if no input is given
   */
  public NDArray call(NDArray... inputs) {
    if (inputs.length == 0) {
      throw new IllegalArgumentException(name + ": forward needs at least one input");
    }
    List<NDArray> views = new ArrayList<>(0);
    NDList args = new NDList(inputs.length);
    for (NDArray input : inputs) {
      NDArray arg = input;
      if (input.getName() != null) {
        arg = input.reshape(input.getShape());
        arg.setName(null);
        views.add(arg);
      }
      args.add(arg);
    }
    // requires_grad() reads false on non-leaf results of engine ops even when they are part of a
    // recorded graph, so under grad mode the call always records (and never yields inference
    // tensors that a later backward would have to save).
    boolean train = JniUtils.isGradMode();
    try {
      NDList out = IValueUtils.forward(block, args, train);
      if (out.size() != 1) {
        out.close();
        throw new IllegalStateException(name + ": forward returned " + out.size() + " values");
      }
      return out.singletonOrThrow();
    } finally {
      views.forEach(NDArray::close);
    }
  }

  /**
   * Runs method {@code method} with libtorch values (tensors, lists, numbers) and returns its
   * result, which the caller closes. Unlike {@link #call} no input is converted or renamed, and a
   * result that is not a tensor (a list kept for later calls) stays a libtorch value.
   */
  public IValue runMethod(String method, IValue... inputs) {
    return IValueUtils.runMethod(block, method, inputs);
  }

  @Override
  public void close() {
    block.close();
    manager.close();
  }

  @Override
  public String toString() {
    return "ScriptedModule[" + name + "]";
  }
}

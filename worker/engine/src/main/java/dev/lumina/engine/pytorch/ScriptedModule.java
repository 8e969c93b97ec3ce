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
   * Runs {@code method} with arguments that are NDArrays, {@link ScriptValue}s, doubles or longs
   * (ints), returning its tensor result attached to the manager of the first NDArray argument.
   */
  public NDArray invoke(String method, Object... args) {
    NDManager target = null;
    for (Object a : args) {
      if (a instanceof NDArray n) {
        target = n.getManager();
        break;
      }
    }
    if (target == null) {
      throw new IllegalArgumentException(name + "." + method + ": needs an NDArray argument");
    }
    try (IValue out = runValues(method, args)) {
      return out.toTensor((PtNDManager) target);
    }
  }

  /** As {@link #invoke}, the result attached to {@code target}. */
  public NDArray invokeInto(NDManager target, String method, Object... args) {
    try (IValue out = runValues(method, args)) {
      return out.toTensor((PtNDManager) target);
    }
  }

  /** Runs {@code method} and keeps its result inside libtorch (see {@link ScriptValue}). */
  public ScriptValue invokeValue(String method, Object... args) {
    return new ScriptValue(runValues(method, args));
  }

  private IValue runValues(String method, Object... args) {
    List<IValue> owned = new ArrayList<>(args.length);
    IValue[] values = new IValue[args.length];
    try {
      for (int i = 0; i < args.length; i++) {
        Object a = args[i];
        if (a instanceof ScriptValue v) {
          values[i] = v.value;
          continue;
        }
        IValue v;
        if (a instanceof NDArray n) {
          v = IValue.from((ai.djl.pytorch.engine.PtNDArray) n);
        } else if (a instanceof Double d) {
          v = IValue.from(d.doubleValue());
        } else if (a instanceof Long || a instanceof Integer) {
          v = IValue.from(((Number) a).longValue());
        } else if (a instanceof NDArray[] list) {
          ai.djl.pytorch.engine.PtNDArray[] pts = new ai.djl.pytorch.engine.PtNDArray[list.length];
          for (int j = 0; j < list.length; j++) {
            pts[j] = (ai.djl.pytorch.engine.PtNDArray) list[j];
          }
          v = IValue.listFrom(pts);
        } else {
          throw new IllegalArgumentException(
              name + "." + method + ": unsupported argument " + (a == null ? null : a.getClass()));
        }
        owned.add(v);
        values[i] = v;
      }
      return IValueUtils.runMethod(block, method, values);
    } finally {
      owned.forEach(IValue::close);
    }
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

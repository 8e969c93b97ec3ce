package dev.lumina.engine.pytorch;

import ai.djl.pytorch.jni.IValue;

/**
 * A value a scripted module returned and the caller keeps inside libtorch for later calls (a list
 * of prepared weights, a bfloat16 tensor): it never becomes a Java array. Close it when done.
 */
public final class ScriptValue implements AutoCloseable {
  final IValue value;

  ScriptValue(IValue value) {
    this.value = value;
  }

  @Override
  public void close() {
    value.close();
  }
}

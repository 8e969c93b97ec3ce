package dev.lumina.engine.model;

import java.util.Locale;

/** How a model's forward is executed. */
public enum EngineKind {
  /**
   * The trunk (embedders, blocks, final layer) as one TorchScript module per model: one native call
   * per forward.
   */
  COMPILED,
  /** One engine call per op: the reference implementation and the fallback. */
  EAGER;

  /** The flag spelling: {@code compiled} or {@code eager}. */
  public String flag() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses {@code compiled} or {@code eager} (case-insensitive).
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static EngineKind parse(String s) {
    for (EngineKind k : values()) {
      if (k.flag().equalsIgnoreCase(s == null ? "" : s.trim())) {
        return k;
      }
    }
    throw new IllegalArgumentException("engine must be compiled or eager, got '" + s + "'");
  }
}

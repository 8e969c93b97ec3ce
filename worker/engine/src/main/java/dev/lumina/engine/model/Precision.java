package dev.lumina.engine.model;

import java.util.Locale;

/** Arithmetic a model's forward runs in. */
public enum Precision {
  /** Every op in float32 (the reference's parity mode). */
  FP32,
  /**
   * Weights and matmul/attention inputs in bfloat16; norms' statistics, softmax accumulation, the
   * residual stream and the ODE state in float32 (the reference under {@code
   * torch.autocast(bfloat16)}). Needs the compiled engine.
   */
  BF16;

  /** The flag spelling: {@code fp32} or {@code bf16}. */
  public String flag() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses {@code fp32} or {@code bf16} (case-insensitive).
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static Precision parse(String s) {
    for (Precision p : values()) {
      if (p.flag().equalsIgnoreCase(s == null ? "" : s.trim())) {
        return p;
      }
    }
    throw new IllegalArgumentException("dtype must be fp32 or bf16, got '" + s + "'");
  }
}

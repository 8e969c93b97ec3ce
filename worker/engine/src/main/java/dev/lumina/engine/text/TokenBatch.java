package dev.lumina.engine.text;

/**
 * A right-padded batch of token ids, row-major {@code [batch, length]}, with its mask (1 = real
 * token, 0 = padding) and the real length of each row. The record owns its arrays; callers must not
 * mutate them.
 *
 * @param batch rows {@code B}
 * @param length padded length {@code L}, the longest row
 * @param ids token ids, {@code B·L} values
 * @param mask 1/0 per position, {@code B·L} values
 * @param lengths real tokens per row, {@code B} values
 */
public record TokenBatch(int batch, int length, long[] ids, float[] mask, int[] lengths) {

  public TokenBatch {
    if (batch < 1 || length < 1) {
      throw new IllegalArgumentException("batch and length must be >= 1");
    }
    if (ids.length != batch * length || mask.length != batch * length || lengths.length != batch) {
      throw new IllegalArgumentException("ids/mask must hold batch·length values, lengths batch");
    }
  }
}

package dev.lumina.engine.parallel;

/**
 * The bytes one rank of a {@link ParallelDegrees} layout sends in one Flag-DiT forward, from the
 * shapes alone: what the engine's sequence-parallel trunk sends, call by call, so a run's counted
 * bytes must equal it exactly.
 *
 * @param ulyssesPerLayer the four all-to-alls of one block (q, k, v out; attention output back):
 *     {@code b·rows·s·(U−1)·(2·D + 2·Dkv)/U}, share {@code s = ⌈S/(U·R)⌉}
 * @param ringPerLayer the key/value blocks passed around the ring in one block: {@code
 *     b·rows·2·(Dkv/U)·(U·s)·(R−1)}
 * @param gatherPerForward the final layer's tokens gathered on every rank: {@code
 *     b·rows·s·P·(U·R−1)}
 * @param cfgPerForward the exchange of the halves' predictions: {@code b·rows·latent} with
 *     CFG-parallel, else 0
 */
public record ShardTraffic(
    long ulyssesPerLayer, long ringPerLayer, long gatherPerForward, long cfgPerForward) {

  /**
   * @param d the layout
   * @param rows batch rows one CFG half runs (a guided job: 1 with CFG-parallel, 2 without)
   * @param tokens the arranged sequence length S (before padding to a multiple of U·R)
   * @param width query width D = H·Dh
   * @param kvWidth key/value width Dkv = Hkv·Dh
   * @param outWidth final-layer width per token P = p²·Cout
   * @param latentValues values of one row's prediction (C·h·w)
   * @param bytesPerValue 4 for float32
   */
  public static ShardTraffic of(
      ParallelDegrees d,
      long rows,
      long tokens,
      long width,
      long kvWidth,
      long outWidth,
      long latentValues,
      int bytesPerValue) {
    long u = d.ulysses();
    long r = d.ring();
    long share = (tokens + u * r - 1) / (u * r);
    long b = bytesPerValue;
    long ulysses = b * rows * share * (u - 1) * (2 * width + 2 * kvWidth) / u;
    long ring = b * rows * 2 * (kvWidth / u) * (u * share) * (r - 1);
    long gather = b * rows * share * outWidth * (u * r - 1);
    long cfg = d.cfg() == 2 ? b * rows * latentValues : 0;
    return new ShardTraffic(ulysses, ring, gather, cfg);
  }

  /** Everything one rank sends in a forward of {@code layers} blocks. */
  public long perForward(int layers) {
    return layers * (ulyssesPerLayer + ringPerLayer) + gatherPerForward + cfgPerForward;
  }
}

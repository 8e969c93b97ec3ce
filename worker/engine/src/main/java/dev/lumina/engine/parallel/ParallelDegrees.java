package dev.lumina.engine.parallel;

/**
 * How one job is split across ranks: {@code cfg} (1, or 2 for the conditional and unconditional
 * rows on separate ranks) × {@code ulysses} (sequence-parallel attention: tokens split along the
 * sequence, heads split inside attention). The group has {@code cfg · ulysses} ranks; global rank
 * {@code r} is CFG half {@code r / ulysses} and sequence shard {@code r % ulysses}.
 *
 * @param cfg 1 or 2
 * @param ulysses at least 1; must divide the model's head and kv-head counts ({@link #check(int,
 *     int)})
 */
public record ParallelDegrees(int cfg, int ulysses) {

  /** One rank: the whole job on one device. */
  public static final ParallelDegrees SINGLE = new ParallelDegrees(1, 1);

  public ParallelDegrees {
    if (cfg != 1 && cfg != 2) {
      throw new IllegalArgumentException("cfg degree must be 1 or 2, got " + cfg);
    }
    if (ulysses < 1) {
      throw new IllegalArgumentException("ulysses degree must be >= 1, got " + ulysses);
    }
  }

  /** Ranks in the group. */
  public int ranks() {
    return cfg * ulysses;
  }

  /**
   * Checks the Ulysses degree against a model's heads.
   *
   * @throws IllegalArgumentException naming the degree and the head count it does not divide
   */
  public void check(int heads, int kvHeads) {
    if (heads % ulysses != 0 || kvHeads % ulysses != 0) {
      throw new IllegalArgumentException(
          "ulysses degree "
              + ulysses
              + " must divide the model's heads ("
              + heads
              + ") and kv heads ("
              + kvHeads
              + ")");
    }
  }
}

package dev.lumina.engine.parallel;

/**
 * How one job is split across ranks: {@code cfg} (1, or 2 for the conditional and unconditional
 * rows on separate ranks) × {@code ulysses} × {@code ring} (sequence parallelism: the tokens split
 * into {@code ulysses · ring} shares; inside attention Ulysses trades the token split for a head
 * split among {@code ulysses} ranks, and Ring passes key/value blocks around {@code ring} ranks,
 * merged with online softmax — USP's 2-D mesh). The group has {@code cfg · ulysses · ring} ranks;
 * global rank {@code r = half · U·R + ρ · U + υ}.
 *
 * @param cfg 1 or 2
 * @param ulysses at least 1; must divide the model's head and kv-head counts ({@link #check})
 * @param ring at least 1; no head-count limit
 */
public record ParallelDegrees(int cfg, int ulysses, int ring) {

  /** One rank: the whole job on one device. */
  public static final ParallelDegrees SINGLE = new ParallelDegrees(1, 1, 1);

  public ParallelDegrees {
    if (cfg != 1 && cfg != 2) {
      throw new IllegalArgumentException("cfg degree must be 1 or 2, got " + cfg);
    }
    if (ulysses < 1) {
      throw new IllegalArgumentException("ulysses degree must be >= 1, got " + ulysses);
    }
    if (ring < 1) {
      throw new IllegalArgumentException("ring degree must be >= 1, got " + ring);
    }
  }

  /** Without Ring. */
  public ParallelDegrees(int cfg, int ulysses) {
    this(cfg, ulysses, 1);
  }

  /**
   * Parses {@code cfg=2,ulysses=2,ring=1} (any order, missing degrees 1).
   *
   * @throws IllegalArgumentException naming the part that is not {@code name=positive integer}
   */
  public static ParallelDegrees parse(String spec) {
    int cfg = 1;
    int ulysses = 1;
    int ring = 1;
    if (spec != null && !spec.isBlank()) {
      for (String part : spec.split(",")) {
        String[] kv = part.trim().split("=", 2);
        int v;
        try {
          v = kv.length == 2 ? Integer.parseInt(kv[1].trim()) : -1;
        } catch (NumberFormatException e) {
          v = -1;
        }
        if (v < 1) {
          throw new IllegalArgumentException(
              "parallel degree '" + part.trim() + "' must be name=N with N >= 1");
        }
        switch (kv[0].trim()) {
          case "cfg" -> cfg = v;
          case "ulysses" -> ulysses = v;
          case "ring" -> ring = v;
          default ->
              throw new IllegalArgumentException(
                  "unknown parallel degree '" + kv[0].trim() + "' (cfg, ulysses or ring)");
        }
      }
    }
    return new ParallelDegrees(cfg, ulysses, ring);
  }

  /** Ranks in the group. */
  public int ranks() {
    return cfg * ulysses * ring;
  }

  /** Ranks that split one sequence: {@code ulysses · ring}. */
  public int sequenceRanks() {
    return ulysses * ring;
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
              + "); use ring for the rest");
    }
  }

  @Override
  public String toString() {
    return "cfg=" + cfg + ",ulysses=" + ulysses + ",ring=" + ring;
  }
}

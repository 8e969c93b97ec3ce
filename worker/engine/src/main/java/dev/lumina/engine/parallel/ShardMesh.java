package dev.lumina.engine.parallel;

/**
 * The groups one rank of a {@link ParallelDegrees} layout belongs to: {@code sequence}, the ranks
 * of its CFG half that split the tokens (size {@code ulysses}), and {@code cfg}, the ranks holding
 * the same sequence shard of either half (size {@code cfg}; a group of one without CFG-parallel).
 */
public record ShardMesh(ParallelDegrees degrees, Collective sequence, Collective cfg) {

  public ShardMesh {
    if (sequence.size() != degrees.ulysses() || cfg.size() != degrees.cfg()) {
      throw new IllegalArgumentException(
          "mesh groups of sizes "
              + sequence.size()
              + " and "
              + cfg.size()
              + " do not match "
              + degrees);
    }
  }

  /** The rank's index in the whole group: {@code cfgHalf · ulysses + sequenceShard}. */
  public int globalRank() {
    return cfg.rank() * degrees.ulysses() + sequence.rank();
  }

  /** Bytes this rank has sent over both groups. */
  public long bytesSent() {
    return sequence.bytesSent() + (cfg == sequence ? 0 : cfg.bytesSent());
  }
}

package dev.lumina.engine.parallel;

/**
 * The groups one rank of a {@link ParallelDegrees} layout belongs to: {@code sequence}, the {@code
 * ulysses · ring} ranks of its CFG half that split the tokens (share {@code q = ρ · U + υ} is this
 * rank's); {@code ulysses}, the ranks of that half with the same ring index; {@code ring}, those
 * with the same Ulysses index; {@code cfg}, the ranks holding the same share in either half. Groups
 * of one stand for a degree of 1.
 */
public record ShardMesh(
    ParallelDegrees degrees,
    Collective sequence,
    Collective ulysses,
    Collective ring,
    Collective cfg) {

  public ShardMesh {
    if (sequence.size() != degrees.sequenceRanks()
        || ulysses.size() != degrees.ulysses()
        || ring.size() != degrees.ring()
        || cfg.size() != degrees.cfg()) {
      throw new IllegalArgumentException(
          "mesh groups of sizes "
              + sequence.size()
              + "/"
              + ulysses.size()
              + "/"
              + ring.size()
              + "/"
              + cfg.size()
              + " do not match "
              + degrees);
    }
    if (sequence.rank() != ring.rank() * degrees.ulysses() + ulysses.rank()) {
      throw new IllegalArgumentException(
          "sequence rank "
              + sequence.rank()
              + " is not ring rank · ulysses + ulysses rank ("
              + ring.rank()
              + ", "
              + ulysses.rank()
              + ")");
    }
  }

  /** The rank's index in the whole group: {@code half · U·R + sequence rank}. */
  public int globalRank() {
    return cfg.rank() * degrees.sequenceRanks() + sequence.rank();
  }

  /** Bytes this rank has sent over all its groups. */
  public long bytesSent() {
    long b = sequence.bytesSent() + cfg.bytesSent();
    if (ulysses != sequence) {
      b += ulysses.bytesSent();
    }
    if (ring != sequence) {
      b += ring.bytesSent();
    }
    return b;
  }
}

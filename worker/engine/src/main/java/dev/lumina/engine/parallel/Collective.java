package dev.lumina.engine.parallel;

/**
 * The collective operations one rank of a group runs with its peers, over raw bytes (tensors as
 * little-endian float32 in row-major order). Every rank of the group must make the same calls in
 * the same order; a call returns once every rank has made it, or throws {@link CollectiveException}
 * when a peer does not arrive within the group's deadline (no call waits for ever).
 *
 * <p>Implementations count the bytes this rank sends to other ranks (its own part never travels),
 * so a layout's traffic can be checked against its formula. One thread per rank; not to be shared
 * between threads.
 */
public interface Collective {

  /** This rank's index in the group, {@code 0 ≤ rank < size}. */
  int rank();

  /** Ranks in the group. */
  int size();

  /**
   * Sends {@code parts[j]} to rank j (for every j, this rank's own part included) and returns, at
   * index j, what rank j sent to this one.
   *
   * @throws IllegalArgumentException if {@code parts.length != size()}
   * @throws CollectiveException if a peer fails or the deadline passes
   */
  byte[][] allToAll(byte[][] parts);

  /**
   * Sends {@code part} to every rank and returns every rank's part in rank order.
   *
   * @throws CollectiveException if a peer fails or the deadline passes
   */
  byte[][] allGather(byte[] part);

  /**
   * One step around the ring: sends {@code part} to rank {@code (rank + 1) mod size} and returns
   * what rank {@code (rank − 1) mod size} sent (in a group of one, {@code part} itself).
   *
   * @throws CollectiveException if a peer fails or the deadline passes
   */
  byte[] shift(byte[] part);

  /**
   * Returns once every rank has called it.
   *
   * @throws CollectiveException if a peer fails or the deadline passes
   */
  void barrier();

  /** Bytes this rank has sent to other ranks so far. */
  long bytesSent();
}

package dev.lumina.engine.parallel;

/**
 * This process's rank of a shard group whose other ranks are other processes: its mesh, the
 * group-wide collective, and the two calls that hand each run's job from the leader to the
 * followers. Implemented by the worker runtime over the network.
 */
public interface ShardPeers extends AutoCloseable {

  ParallelDegrees degrees();

  /** This rank's groups. */
  ShardMesh mesh();

  /** Every rank of the group, this one at its global rank. */
  Collective world();

  /** Whether this rank leads (global rank 0): it takes the jobs and sends them on. */
  default boolean leader() {
    return world().rank() == 0;
  }

  /**
   * Leader: sends {@code job} to every follower, as one call of {@link #world()}.
   *
   * @throws CollectiveException if a follower is gone or does not take it in time
   */
  void broadcast(byte[] job);

  /**
   * Follower: waits, for as long as it takes, for the leader's next {@link #broadcast}.
   *
   * @throws CollectiveException once the leader is gone
   */
  byte[] awaitJob();

  @Override
  void close();
}

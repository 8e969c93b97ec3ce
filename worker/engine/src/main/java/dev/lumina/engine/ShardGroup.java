package dev.lumina.engine;

import dev.lumina.engine.parallel.Collective;
import dev.lumina.engine.parallel.CollectiveException;
import dev.lumina.engine.parallel.LocalGroup;
import dev.lumina.engine.parallel.ParallelDegrees;
import dev.lumina.engine.parallel.ShardMesh;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A shard group inside one process: {@code degrees.ranks()} ranks, each a thread of its own, that
 * run every generation together ({@link Generator#useShardGroup}). Each run gets fresh meshes
 * ({@link LocalGroup}) plus a group-wide one the ranks agree on every step through (rank 0, the
 * leader, decides whether to go on, so a cancel stops every rank at the same step). A rank that
 * fails aborts the others' rendezvous, so the run fails at once, never hangs; a collective that
 * waits past {@code deadline} fails it too.
 *
 * <p>Thread-safe; runs one generation at a time.
 */
public final class ShardGroup implements AutoCloseable {

  private final ParallelDegrees degrees;
  private final Duration deadline;
  private final ExecutorService ranks;
  private final java.util.concurrent.atomic.AtomicLong runs =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * @param degrees how jobs are split
   * @param deadline longest wait of one collective call for the other ranks
   */
  public ShardGroup(ParallelDegrees degrees, Duration deadline) {
    this.degrees = degrees;
    this.deadline = deadline;
    AtomicInteger n = new AtomicInteger();
    this.ranks =
        Executors.newFixedThreadPool(
            degrees.ranks(),
            r -> {
              Thread t = new Thread(r, "lumina-rank-" + n.getAndIncrement());
              t.setDaemon(true);
              return t;
            });
  }

  public ParallelDegrees degrees() {
    return degrees;
  }

  /** Generations (batches) the group has run, failed ones included. */
  public long runs() {
    return runs.get();
  }

  /** What one rank runs: its mesh, the group-wide collective and whether it leads. */
  @FunctionalInterface
  interface RankBody<T> {
    T run(ShardMesh mesh, Collective world, boolean leader);
  }

  /**
   * Runs {@code body} on every rank at once and returns the leader's result.
   *
   * @throws CollectiveException if a rank fails (the first failure is the cause)
   */
  synchronized <T> T run(RankBody<T> body) {
    runs.incrementAndGet();
    List<ShardMesh> meshes = LocalGroup.mesh(degrees, deadline);
    List<Collective> world = LocalGroup.create(degrees.ranks(), deadline);
    List<Future<T>> futures = new ArrayList<>();
    for (int r = 0; r < meshes.size(); r++) {
      ShardMesh mesh = meshes.get(r);
      Collective w = world.get(r);
      boolean leader = r == 0;
      futures.add(
          ranks.submit(
              () -> {
                try {
                  return body.run(mesh, w, leader);
                } catch (RuntimeException | Error e) {
                  abort(meshes, world);
                  throw e;
                }
              }));
    }
    T lead = null;
    Throwable failure = null;
    for (int r = 0; r < futures.size(); r++) {
      try {
        T v = futures.get(r).get();
        if (r == 0) {
          lead = v;
        }
      } catch (ExecutionException e) {
        // The rank that failed first is the cause; the others failed on the broken rendezvous.
        Throwable c = e.getCause();
        if (failure == null
            || (failure instanceof CollectiveException && !(c instanceof CollectiveException))) {
          failure = c;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        abort(meshes, world);
        throw new CollectiveException("interrupted while the shard group ran", e);
      }
    }
    if (failure instanceof RuntimeException re) {
      throw re;
    }
    if (failure instanceof Error err) {
      throw err;
    }
    return lead;
  }

  private static void abort(List<ShardMesh> meshes, List<Collective> world) {
    for (ShardMesh m : meshes) {
      LocalGroup.abort(m.sequence());
      LocalGroup.abort(m.ulysses());
      LocalGroup.abort(m.ring());
      LocalGroup.abort(m.cfg());
    }
    world.forEach(LocalGroup::abort);
  }

  @Override
  public void close() {
    ranks.shutdownNow();
  }
}

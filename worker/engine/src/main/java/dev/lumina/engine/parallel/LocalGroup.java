package dev.lumina.engine.parallel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A group of ranks inside one process, one thread per rank: parts are handed over by reference
 * through a shared slot table, so a transfer costs nothing but the two rendezvous around it (on a
 * multi-GPU pod the arrays' device copies are the peer-to-peer path). Every call waits at most the
 * group's deadline for the other ranks; one rank's timeout breaks the rendezvous for all of them.
 *
 * <p>Received arrays are shared with their sender and must not be modified.
 */
public final class LocalGroup {

  private final int size;
  private final long deadlineNanos;
  private final CyclicBarrier rendezvous;
  private volatile boolean aborted;
  private final byte[][][] slots;

  private LocalGroup(int size, Duration deadline) {
    if (size < 1) {
      throw new IllegalArgumentException("a group needs at least one rank, got " + size);
    }
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be > 0, got " + deadline);
    }
    this.size = size;
    this.deadlineNanos = deadline.toNanos();
    this.rendezvous = new CyclicBarrier(size);
    this.slots = new byte[size][size][];
  }

  /** The {@code size} ranks of a new group, in rank order. */
  public static List<Collective> create(int size, Duration deadline) {
    LocalGroup g = new LocalGroup(size, deadline);
    List<Collective> ranks = new ArrayList<>(size);
    for (int r = 0; r < size; r++) {
      ranks.add(g.new Rank(r));
    }
    return ranks;
  }

  /** A group of one rank (a degree of 1): every call returns at once and sends nothing. */
  public static Collective single() {
    return create(1, Duration.ofSeconds(1)).get(0);
  }

  /**
   * Every rank's mesh of a {@code degrees} layout, indexed by global rank {@code r = half · U·R + ρ
   * · U + υ} (CFG half, ring index ρ, Ulysses index υ).
   */
  public static List<ShardMesh> mesh(ParallelDegrees degrees, Duration deadline) {
    int u = degrees.ulysses();
    int ring = degrees.ring();
    int c = degrees.cfg();
    int seq = u * ring;
    List<List<Collective>> sequence = new ArrayList<>();
    List<List<Collective>> ulysses = new ArrayList<>();
    List<List<Collective>> rings = new ArrayList<>();
    for (int half = 0; half < c; half++) {
      sequence.add(create(seq, deadline));
      for (int rho = 0; rho < ring; rho++) {
        ulysses.add(create(u, deadline));
      }
      for (int ups = 0; ups < u; ups++) {
        rings.add(create(ring, deadline));
      }
    }
    List<List<Collective>> cfg = new ArrayList<>();
    for (int shard = 0; shard < seq; shard++) {
      cfg.add(create(c, deadline));
    }
    List<ShardMesh> out = new ArrayList<>(degrees.ranks());
    for (int r = 0; r < degrees.ranks(); r++) {
      int half = r / seq;
      int q = r % seq;
      int rho = q / u;
      int ups = q % u;
      out.add(
          new ShardMesh(
              degrees,
              sequence.get(half).get(q),
              ulysses.get(half * ring + rho).get(ups),
              rings.get(half * u + ups).get(rho),
              cfg.get(q).get(half)));
    }
    return out;
  }

  private void await(int rank, String op) {
    if (aborted) {
      throw new CollectiveException(
          op + " on rank " + rank + " of " + size + ": the group was aborted (a peer failed)");
    }
    try {
      rendezvous.await(deadlineNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new CollectiveException(
          op
              + " on rank "
              + rank
              + " of "
              + size
              + ": peers did not arrive within "
              + Duration.ofNanos(deadlineNanos),
          e);
    } catch (BrokenBarrierException e) {
      throw new CollectiveException(
          op + " on rank " + rank + " of " + size + ": a peer failed or timed out", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      rendezvous.reset();
      throw new CollectiveException(op + " on rank " + rank + " interrupted", e);
    }
  }

  /**
   * Breaks the rendezvous of the group {@code rank} belongs to: every rank waiting in it, and every
   * later call, fails at once. A no-op for a collective of another kind.
   */
  public static void abort(Collective rank) {
    if (rank instanceof Rank r) {
      // Sticky: a rank that reaches the rendezvous after the reset must fail too, not wait.
      r.group().aborted = true;
      r.group().rendezvous.reset();
    }
  }

  private final class Rank implements Collective {
    private final int rank;
    private long sent;

    Rank(int rank) {
      this.rank = rank;
    }

    LocalGroup group() {
      return LocalGroup.this;
    }

    @Override
    public int rank() {
      return rank;
    }

    @Override
    public int size() {
      return size;
    }

    @Override
    public byte[][] allToAll(byte[][] parts) {
      if (parts.length != size) {
        throw new IllegalArgumentException(
            "allToAll needs one part per rank (" + size + "), got " + parts.length);
      }
      for (int j = 0; j < size; j++) {
        slots[rank][j] = parts[j];
        if (j != rank) {
          sent += parts[j].length;
        }
      }
      await(rank, "allToAll");
      byte[][] in = new byte[size][];
      for (int j = 0; j < size; j++) {
        in[j] = slots[j][rank];
      }
      // No rank writes the table again before every rank has read its column.
      await(rank, "allToAll");
      return in;
    }

    @Override
    public byte[][] allGather(byte[] part) {
      slots[rank][0] = part;
      sent += (long) part.length * (size - 1);
      await(rank, "allGather");
      byte[][] in = new byte[size][];
      for (int j = 0; j < size; j++) {
        in[j] = slots[j][0];
      }
      await(rank, "allGather");
      return in;
    }

    @Override
    public byte[] shift(byte[] part) {
      if (size == 1) {
        return part;
      }
      slots[rank][0] = part;
      sent += part.length;
      await(rank, "shift");
      byte[] in = slots[(rank + size - 1) % size][0];
      await(rank, "shift");
      return in;
    }

    @Override
    public void barrier() {
      await(rank, "barrier");
    }

    @Override
    public long bytesSent() {
      return sent;
    }
  }
}

package dev.lumina.worker.shard;

import com.google.protobuf.UnsafeByteOperations;
import dev.lumina.engine.parallel.Collective;
import dev.lumina.engine.parallel.CollectiveException;
import dev.lumina.proto.cluster.v1.ShardAck;
import dev.lumina.proto.cluster.v1.ShardFrame;
import dev.lumina.proto.cluster.v1.ShardTransportGrpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One rank of a shard group over gRPC: rank r opens one long-lived {@code Exchange} stream to each
 * peer's {@link ShardServer} and receives on its own. A message travels as frames of at most 1 MiB
 * of data, each sent only when the stream is ready (gRPC flow control: a slow receiver holds the
 * sender back rather than filling its memory). Every call waits at most the group's deadline, for
 * sending and for receiving; channels send keepalive pings, so a peer that dies fails the calls
 * waiting for it at once. Not thread-safe: one thread per rank, like every {@link Collective}.
 */
public final class GrpcCollective implements Collective, AutoCloseable {

  private final ShardServer local;
  private final String group;
  private final int rank;
  private final int size;
  private final long deadlineNanos;
  private final List<Peer> peers = new ArrayList<>();
  private long seq;
  private long sent;

  private GrpcCollective(
      ShardServer local, String group, int rank, List<String> addresses, Duration deadline) {
    this.local = local;
    this.group = group;
    this.rank = rank;
    this.size = addresses.size();
    this.deadlineNanos = deadline.toNanos();
    for (int j = 0; j < size; j++) {
      peers.add(j == rank ? null : new Peer(j, addresses.get(j)));
    }
  }

  /**
   * Rank {@code rank} of group {@code group} whose ranks listen at {@code addresses} (host:port, in
   * rank order; this rank's own entry is not dialled), receiving through {@code local}.
   *
   * @throws IllegalArgumentException if the rank is outside the roster or the deadline not > 0
   */
  public static GrpcCollective connect(
      ShardServer local, String group, int rank, List<String> addresses, Duration deadline) {
    if (rank < 0 || rank >= addresses.size()) {
      throw new IllegalArgumentException(
          "rank " + rank + " is outside a group of " + addresses.size());
    }
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be > 0, got " + deadline);
    }
    return new GrpcCollective(local, group, rank, List.copyOf(addresses), deadline);
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
    long call = seq++;
    long deadline = System.nanoTime() + deadlineNanos;
    for (int j = 0; j < size; j++) {
      if (j != rank) {
        peers.get(j).send(call, parts[j], deadline);
      }
    }
    byte[][] in = new byte[size][];
    for (int j = 0; j < size; j++) {
      in[j] = j == rank ? parts[j] : local.receive(group, j, call, deadline, rank);
    }
    return in;
  }

  @Override
  public byte[][] allGather(byte[] part) {
    byte[][] parts = new byte[size][];
    java.util.Arrays.fill(parts, part);
    return allToAll(parts);
  }

  /**
   * Sends {@code part} from this rank to every other one as one call (the others take it with
   * {@link #awaitFrom}).
   */
  public void broadcast(byte[] part) {
    long call = seq++;
    long deadline = System.nanoTime() + deadlineNanos;
    for (int j = 0; j < size; j++) {
      if (j != rank) {
        peers.get(j).send(call, part, deadline);
      }
    }
  }

  /**
   * Takes rank {@code from}'s {@link #broadcast}, waiting for as long as it takes; only a broken or
   * ended stream from that rank ends the wait.
   *
   * @throws CollectiveException once {@code from} is gone
   */
  public byte[] awaitFrom(int from) {
    long call = seq++;
    return local.receive(group, from, call, Long.MAX_VALUE, rank);
  }

  @Override
  public byte[] shift(byte[] part) {
    if (size == 1) {
      return part;
    }
    long call = seq++;
    long deadline = System.nanoTime() + deadlineNanos;
    peers.get((rank + 1) % size).send(call, part, deadline);
    return local.receive(group, (rank + size - 1) % size, call, deadline, rank);
  }

  @Override
  public void barrier() {
    allGather(new byte[0]);
  }

  @Override
  public long bytesSent() {
    return sent;
  }

  /** Ends this rank's streams and forgets the group's queues. */
  @Override
  public void close() {
    for (Peer p : peers) {
      if (p != null) {
        p.close();
      }
    }
    local.release(group);
  }

  /** The sending side towards one peer. */
  private final class Peer {
    private final int to;
    private final ManagedChannel channel;
    private final Object ready = new Object();
    private ClientCallStreamObserver<ShardFrame> out;
    private volatile Throwable failed;

    Peer(int to, String address) {
      this.to = to;
      this.channel =
          NettyChannelBuilder.forTarget(address, InsecureChannelCredentials.create())
              .flowControlWindow(ShardServer.WINDOW)
              .maxInboundMessageSize(ShardServer.CHUNK + (64 << 10))
              .keepAliveTime(5, TimeUnit.SECONDS)
              .keepAliveTimeout(5, TimeUnit.SECONDS)
              .keepAliveWithoutCalls(true)
              .build();
      ShardTransportGrpc.newStub(channel)
          .withWaitForReady()
          .exchange(
              new ClientResponseObserver<ShardFrame, ShardAck>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<ShardFrame> stream) {
                  out = stream;
                  stream.setOnReadyHandler(Peer.this::wake);
                }

                @Override
                public void onNext(ShardAck ack) {}

                @Override
                public void onError(Throwable t) {
                  failed = t;
                  wake();
                }

                @Override
                public void onCompleted() {
                  wake();
                }
              });
      // Names the stream at once, so that the peer learns of this rank's end even before any
      // message (an empty frame that is not the last of a message carries no data).
      out.onNext(ShardFrame.newBuilder().setGroup(group).setFrom(rank).build());
    }

    private void wake() {
      synchronized (ready) {
        ready.notifyAll();
      }
    }

    void send(long call, byte[] data, long deadline) {
      int off = 0;
      do {
        int len = Math.min(ShardServer.CHUNK, data.length - off);
        ShardFrame f =
            ShardFrame.newBuilder()
                .setGroup(group)
                .setFrom(rank)
                .setSeq(call)
                // The caller's array is not written while the call runs: no copy is needed.
                .setData(UnsafeByteOperations.unsafeWrap(data, off, len))
                .setLast(off + len == data.length)
                .build();
        awaitReady(deadline);
        out.onNext(f);
        off += len;
      } while (off < data.length);
      sent += data.length;
    }

    private void awaitReady(long deadline) {
      synchronized (ready) {
        while (!out.isReady()) {
          if (failed != null) {
            throw new CollectiveException(
                "rank " + rank + " cannot send to rank " + to + ": " + failed, failed);
          }
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new CollectiveException(
                "rank " + rank + ": rank " + to + " did not take data before the deadline");
          }
          try {
            TimeUnit.NANOSECONDS.timedWait(ready, left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("rank " + rank + " interrupted sending", e);
          }
        }
      }
    }

    void close() {
      try {
        if (failed == null) {
          out.onCompleted();
        }
      } catch (RuntimeException ignored) {
        // The stream is already gone.
      }
      // A graceful shutdown lets the half-close reach the peer, which then knows this rank left.
      channel.shutdown();
      try {
        if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
          channel.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        channel.shutdownNow();
      }
    }
  }
}

package dev.lumina.worker.shard;

import com.google.protobuf.ByteString;
import dev.lumina.engine.parallel.CollectiveException;
import dev.lumina.proto.cluster.v1.JoinReply;
import dev.lumina.proto.cluster.v1.JoinRequest;
import dev.lumina.proto.cluster.v1.ShardAck;
import dev.lumina.proto.cluster.v1.ShardFrame;
import dev.lumina.proto.cluster.v1.ShardTransportGrpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One rank's receiving end: a gRPC server for {@code ShardTransport} that reassembles each peer's
 * frames into messages and queues them per (group, sending rank), in the order they were sent. A
 * peer whose stream breaks or ends leaves a failure in its queue, so a rank waiting for it fails at
 * once instead of at its deadline. Thread-safe.
 */
public final class ShardServer implements AutoCloseable {

  /** Largest data chunk of one frame. */
  static final int CHUNK = 1 << 20;

  /** HTTP/2 flow-control window of every shard stream: several frames in flight per peer. */
  static final int WINDOW = 16 << 20;

  private final Server server;
  private final Map<String, Map<Integer, BlockingQueue<Message>>> inboxes =
      new ConcurrentHashMap<>();
  private Roster roster;

  /** A received message, or the end of a peer's stream ({@code failure} set). */
  record Message(long seq, byte[] data, String failure) {}

  private ShardServer(Server server) {
    this.server = server;
  }

  /**
   * Starts a server on {@code host:port} (0 = a free port).
   *
   * @throws UncheckedIOException if the port cannot be bound
   */
  public static ShardServer start(String host, int port) {
    ShardServer[] self = new ShardServer[1];
    Server s =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(host, port), InsecureServerCredentials.create())
            .flowControlWindow(WINDOW)
            .permitKeepAliveTime(1, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true)
            .maxInboundMessageSize(CHUNK + (64 << 10))
            .addService(
                new ShardTransportGrpc.ShardTransportImplBase() {
                  @Override
                  public StreamObserver<ShardFrame> exchange(StreamObserver<ShardAck> response) {
                    return self[0].receiver(response);
                  }

                  @Override
                  public void join(JoinRequest request, StreamObserver<JoinReply> response) {
                    self[0].join(request, response);
                  }
                })
            .build();
    self[0] = new ShardServer(s);
    try {
      s.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the shard transport on " + host + ":" + port, e);
    }
    return self[0];
  }

  /** The bound port. */
  public int port() {
    return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
  }

  /**
   * The next message of {@code group} from rank {@code from}, which must be its call {@code seq};
   * waits until {@code deadlineNanos} ({@link System#nanoTime} clock).
   *
   * @throws CollectiveException if the peer's stream ended, the message is out of order or the
   *     deadline passes
   */
  byte[] receive(String group, int from, long seq, long deadlineNanos, int rank) {
    BlockingQueue<Message> q = queue(group, from);
    Message m;
    try {
      m =
          deadlineNanos == Long.MAX_VALUE
              ? q.take()
              : q.poll(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CollectiveException("rank " + rank + " interrupted waiting for rank " + from, e);
    }
    if (m == null) {
      throw new CollectiveException(
          "rank "
              + rank
              + " of group "
              + group
              + ": rank "
              + from
              + " sent nothing for call "
              + seq
              + " before the deadline");
    }
    if (m.failure() != null) {
      q.offer(m); // every later call fails the same way
      throw new CollectiveException(
          "rank " + rank + " of group " + group + ": rank " + from + " left (" + m.failure() + ")");
    }
    if (m.seq() != seq) {
      throw new CollectiveException(
          "rank "
              + rank
              + ": rank "
              + from
              + " sent call "
              + m.seq()
              + " where "
              + seq
              + " was due");
    }
    return m.data();
  }

  /**
   * Makes this server the leader's: it takes the followers' {@code Join} calls for a group of
   * {@code size} ranks running {@code parallel}, and completes the returned future with the roster
   * (this server's {@code address} first) once every rank has joined, answering every follower with
   * it. A follower that joins again before the roster is complete replaces its earlier call.
   */
  synchronized CompletableFuture<JoinReply> lead(int size, String parallel, String address) {
    roster = new Roster(size, parallel, address);
    if (size == 1) {
      roster.done.complete(
          JoinReply.newBuilder()
              .setEpoch(java.util.UUID.randomUUID().toString())
              .addAddresses(address)
              .build());
    }
    return roster.done;
  }

  private synchronized void join(JoinRequest r, StreamObserver<JoinReply> response) {
    if (roster == null) {
      response.onError(
          Status.FAILED_PRECONDITION
              .withDescription("this rank does not lead a shard group")
              .asRuntimeException());
      return;
    }
    String refusal = roster.refusal(r);
    if (refusal != null) {
      response.onError(Status.INVALID_ARGUMENT.withDescription(refusal).asRuntimeException());
      return;
    }
    roster.add(r, response);
  }

  /** The group the leader forms: one slot per rank, filled by Join calls. */
  private static final class Roster {
    final int size;
    final String parallel;
    final String[] addresses;
    final List<StreamObserver<JoinReply>> waiting = new ArrayList<>();
    final CompletableFuture<JoinReply> done = new CompletableFuture<>();
    int joined = 1;

    Roster(int size, String parallel, String leaderAddress) {
      this.size = size;
      this.parallel = parallel;
      this.addresses = new String[size];
      this.addresses[0] = leaderAddress;
    }

    String refusal(JoinRequest r) {
      if (done.isDone()) {
        return "the group is complete; restart every rank to form it again";
      }
      if (r.getGroupSize() != size) {
        return "the leader forms a group of "
            + size
            + ", rank "
            + r.getRank()
            + " says "
            + r.getGroupSize();
      }
      if (!r.getParallel().equals(parallel)) {
        return "the leader runs --parallel "
            + parallel
            + ", rank "
            + r.getRank()
            + " "
            + r.getParallel();
      }
      if (r.getRank() < 1 || r.getRank() >= size) {
        return "rank " + r.getRank() + " is not a follower's rank in a group of " + size;
      }
      return null;
    }

    void add(JoinRequest r, StreamObserver<JoinReply> response) {
      if (addresses[r.getRank()] == null) {
        joined++;
      }
      addresses[r.getRank()] = r.getAddress();
      waiting.add(response);
      if (joined == size) {
        JoinReply reply =
            JoinReply.newBuilder()
                .setEpoch(java.util.UUID.randomUUID().toString())
                .addAllAddresses(List.of(addresses))
                .build();
        for (StreamObserver<JoinReply> w : waiting) {
          try {
            w.onNext(reply);
            w.onCompleted();
          } catch (RuntimeException e) {
            // That follower's call is gone; it will fail to reach its peers and restart.
          }
        }
        done.complete(reply);
      }
    }
  }

  /** Forgets {@code group}'s queues (its collective has closed). */
  void release(String group) {
    inboxes.remove(group);
  }

  private BlockingQueue<Message> queue(String group, int from) {
    return inboxes
        .computeIfAbsent(group, g -> new ConcurrentHashMap<>())
        .computeIfAbsent(from, f -> new LinkedBlockingQueue<>());
  }

  private StreamObserver<ShardFrame> receiver(StreamObserver<ShardAck> response) {
    return new StreamObserver<>() {
      private final List<ByteString> parts = new ArrayList<>();
      private String group;
      private int from = -1;
      private long messages;

      @Override
      public void onNext(ShardFrame f) {
        if (group == null) {
          group = f.getGroup();
          from = f.getFrom();
        } else if (!group.equals(f.getGroup()) || from != f.getFrom()) {
          response.onError(
              Status.INVALID_ARGUMENT
                  .withDescription("one stream carries one (group, rank)")
                  .asRuntimeException());
          return;
        }
        parts.add(f.getData());
        if (f.getLast()) {
          // One copy per message: the frames' data joined as a rope, then flattened.
          byte[] data = ByteString.copyFrom(parts).toByteArray();
          parts.clear();
          queue(group, from).offer(new Message(f.getSeq(), data, null));
          messages++;
        }
      }

      @Override
      public void onError(Throwable t) {
        if (group != null) {
          queue(group, from).offer(new Message(-1, null, Status.fromThrowable(t).toString()));
        }
      }

      @Override
      public void onCompleted() {
        if (group != null) {
          queue(group, from).offer(new Message(-1, null, "its stream ended"));
        }
        response.onNext(ShardAck.newBuilder().setMessages(messages).build());
        response.onCompleted();
      }
    };
  }

  /** Stops the server; streams still open fail on the peers' side. */
  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(Duration.ofSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

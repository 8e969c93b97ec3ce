package dev.lumina.worker.shard;

import dev.lumina.engine.parallel.Collective;
import dev.lumina.engine.parallel.CollectiveException;
import dev.lumina.engine.parallel.ParallelDegrees;
import dev.lumina.engine.parallel.ShardMesh;
import dev.lumina.engine.parallel.ShardPeers;
import dev.lumina.proto.cluster.v1.JoinReply;
import dev.lumina.proto.cluster.v1.JoinRequest;
import dev.lumina.proto.cluster.v1.ShardTransportGrpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker process's rank of a shard group formed LeaderWorkerSet-style from a static roster: the
 * leader (rank 0) listens at its advertised address and waits until every follower has joined; each
 * follower listens on its own port, joins the leader with its address and receives the roster.
 * Every rank then opens its mesh's groups over gRPC ({@link GrpcCollective}), named by the roster's
 * epoch so that frames of an earlier incarnation are never mixed in.
 *
 * <p>A group lives as long as all of its ranks: when one is lost, the others' collectives fail and
 * the group is formed again by restarting every rank (LeaderWorkerSet's default policy).
 */
public final class ShardGroupMember implements ShardPeers {
  private static final Logger LOG = LoggerFactory.getLogger(ShardGroupMember.class);

  /**
   * How to take part.
   *
   * @param groupSize ranks in the group (processes), equal to {@code degrees.ranks()}
   * @param rank this process's rank; 0 leads
   * @param leader the leader's advertised host:port
   * @param degrees the layout, the same on every rank
   * @param bindHost the interface this rank listens on
   * @param advertisedHost how the other ranks reach a follower (the leader is reached at {@code
   *     leader})
   * @param port a follower's listening port (0 = any free port); the leader listens on {@code
   *     leader}'s port
   * @param deadline longest wait of one collective call
   * @param formation longest wait for the group to form
   */
  public record Settings(
      int groupSize,
      int rank,
      String leader,
      ParallelDegrees degrees,
      String bindHost,
      String advertisedHost,
      int port,
      Duration deadline,
      Duration formation) {
    public Settings {
      if (groupSize != degrees.ranks()) {
        throw new IllegalArgumentException(
            "--group-size "
                + groupSize
                + " must equal the ranks of --parallel "
                + degrees
                + " ("
                + degrees.ranks()
                + ")");
      }
      if (rank < 0 || rank >= groupSize) {
        throw new IllegalArgumentException(
            "--rank must be in [0, " + (groupSize - 1) + "], got " + rank);
      }
      if (leader == null || !leader.matches(".+:\\d+")) {
        throw new IllegalArgumentException("--leader must be HOST:PORT, got '" + leader + "'");
      }
    }

    int leaderPort() {
      return Integer.parseInt(leader.substring(leader.lastIndexOf(':') + 1));
    }
  }

  private final ParallelDegrees degrees;
  private final ShardServer server;
  private final List<GrpcCollective> owned;
  private final ShardMesh mesh;
  private final GrpcCollective world;
  private final String epoch;

  private ShardGroupMember(
      ParallelDegrees degrees,
      ShardServer server,
      List<GrpcCollective> owned,
      ShardMesh mesh,
      GrpcCollective world,
      String epoch) {
    this.degrees = degrees;
    this.server = server;
    this.owned = owned;
    this.mesh = mesh;
    this.world = world;
    this.epoch = epoch;
  }

  /**
   * Forms the group (blocks until every rank has joined or {@code formation} passes).
   *
   * @throws CollectiveException if the group does not form in time or the leader refuses
   */
  public static ShardGroupMember form(Settings s) {
    ShardServer server = ShardServer.start(s.bindHost(), s.rank() == 0 ? s.leaderPort() : s.port());
    try {
      JoinReply roster = s.rank() == 0 ? lead(s, server) : join(s, server);
      LOG.info(
          "shard group {} formed: rank {} of {} ({}), roster {}",
          roster.getEpoch(),
          s.rank(),
          s.groupSize(),
          s.degrees(),
          roster.getAddressesList());
      return connect(s, server, roster);
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }

  private static JoinReply lead(Settings s, ShardServer server) {
    try {
      return server
          .lead(s.groupSize(), s.degrees().toString(), s.leader())
          .get(s.formation().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new CollectiveException(
          "the shard group did not form within " + s.formation() + ": followers missing", e);
    } catch (ExecutionException e) {
      throw new CollectiveException("the shard group did not form", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CollectiveException("interrupted while forming the shard group", e);
    }
  }

  private static JoinReply join(Settings s, ShardServer server) {
    String self = s.advertisedHost() + ":" + server.port();
    ManagedChannel channel =
        NettyChannelBuilder.forTarget(s.leader(), InsecureChannelCredentials.create()).build();
    try {
      return ShardTransportGrpc.newBlockingStub(channel)
          .withWaitForReady()
          .withDeadlineAfter(s.formation().toMillis(), TimeUnit.MILLISECONDS)
          .join(
              JoinRequest.newBuilder()
                  .setRank(s.rank())
                  .setAddress(self)
                  .setGroupSize(s.groupSize())
                  .setParallel(s.degrees().toString())
                  .build());
    } catch (StatusRuntimeException e) {
      throw new CollectiveException(
          "rank " + s.rank() + " could not join the leader at " + s.leader() + ": " + e.getStatus(),
          e);
    } finally {
      channel.shutdownNow();
    }
  }

  private static ShardGroupMember connect(Settings s, ShardServer server, JoinReply roster) {
    ParallelDegrees d = s.degrees();
    List<String> all = roster.getAddressesList();
    int r = s.rank();
    int u = d.ulysses();
    int ring = d.ring();
    int seq = u * ring;
    int half = r / seq;
    int q = r % seq;
    int rho = q / u;
    int ups = q % u;
    String e = roster.getEpoch();
    List<GrpcCollective> owned = new ArrayList<>();
    List<Integer> sequence = new ArrayList<>();
    List<Integer> ulysses = new ArrayList<>();
    List<Integer> rings = new ArrayList<>();
    List<Integer> cfg = new ArrayList<>();
    List<Integer> world = new ArrayList<>();
    for (int j = 0; j < seq; j++) {
      sequence.add(half * seq + j);
    }
    for (int j = 0; j < u; j++) {
      ulysses.add(half * seq + rho * u + j);
    }
    for (int j = 0; j < ring; j++) {
      rings.add(half * seq + j * u + ups);
    }
    for (int h = 0; h < d.cfg(); h++) {
      cfg.add(h * seq + q);
    }
    for (int j = 0; j < d.ranks(); j++) {
      world.add(j);
    }
    GrpcCollective seqC = group(server, e + "/seq/" + half, sequence, r, all, s, owned);
    GrpcCollective ulyC = group(server, e + "/uly/" + half + "/" + rho, ulysses, r, all, s, owned);
    GrpcCollective ringC = group(server, e + "/ring/" + half + "/" + ups, rings, r, all, s, owned);
    GrpcCollective cfgC = group(server, e + "/cfg/" + q, cfg, r, all, s, owned);
    GrpcCollective worldC = group(server, e + "/world", world, r, all, s, owned);
    return new ShardGroupMember(
        d, server, owned, new ShardMesh(d, seqC, ulyC, ringC, cfgC), worldC, e);
  }

  private static GrpcCollective group(
      ShardServer server,
      String id,
      List<Integer> members,
      int globalRank,
      List<String> all,
      Settings s,
      List<GrpcCollective> owned) {
    List<String> addresses = new ArrayList<>();
    for (int m : members) {
      addresses.add(all.get(m));
    }
    GrpcCollective c =
        GrpcCollective.connect(server, id, members.indexOf(globalRank), addresses, s.deadline());
    owned.add(c);
    return c;
  }

  /** The epoch of this incarnation of the group. */
  public String epoch() {
    return epoch;
  }

  @Override
  public ParallelDegrees degrees() {
    return degrees;
  }

  @Override
  public ShardMesh mesh() {
    return mesh;
  }

  @Override
  public Collective world() {
    return world;
  }

  @Override
  public void broadcast(byte[] job) {
    world.broadcast(job);
  }

  @Override
  public byte[] awaitJob() {
    return world.awaitFrom(0);
  }

  @Override
  public void close() {
    owned.forEach(GrpcCollective::close);
    server.close();
  }
}

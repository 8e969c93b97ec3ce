package dev.lumina.deploy.cli;

import dev.lumina.engine.parallel.ParallelDegrees;
import dev.lumina.worker.shard.ShardGroupMember;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code --group-size}, {@code --rank}, {@code --leader} and their companions: one job across
 * several worker processes (a shard group formed from a static roster, LeaderWorkerSet-style). The
 * defaults come from the variables LeaderWorkerSet gives every pod of a group, so its pods need no
 * per-pod flags.
 */
final class ShardGroupOptions {
  /** The port a leader listens on when {@code --leader} names none. */
  static final int DEFAULT_SHARD_PORT = 9500;

  @Option(
      names = "--group-size",
      paramLabel = "N",
      defaultValue = "${env:LWS_GROUP_SIZE:-1}",
      description =
          "Worker processes in this shard group, this one included; each is one rank of"
              + " --parallel, whose ranks must number N. 1: no group (default: $LWS_GROUP_SIZE,"
              + " else ${DEFAULT-VALUE}).")
  int groupSize;

  @Option(
      names = "--rank",
      paramLabel = "R",
      defaultValue = "${env:LWS_WORKER_INDEX:-0}",
      description =
          "This process's rank in [0, N-1]. Rank 0 leads: it alone consumes work topics and"
              + " sends each job to the others (default: $LWS_WORKER_INDEX, else"
              + " ${DEFAULT-VALUE}).")
  int rank;

  @Option(
      names = "--leader",
      paramLabel = "HOST[:PORT]",
      defaultValue = "${env:LWS_LEADER_ADDRESS:-}",
      description =
          "Where the followers reach rank 0 (port default: --shard-port). Required on"
              + " followers; on the leader it is the address it gives the others (default:"
              + " $LWS_LEADER_ADDRESS, else --shard-host).")
  String leader;

  @Option(
      names = "--shard-port",
      paramLabel = "PORT",
      defaultValue = "${env:LUMINA_SHARD_PORT:-" + DEFAULT_SHARD_PORT + "}",
      description =
          "Port of this rank's shard transport (tensors between ranks); 0 = any free port on a"
              + " follower (default: ${DEFAULT-VALUE}). The leader listens on --leader's port.")
  int shardPort;

  @Option(
      names = "--shard-host",
      paramLabel = "HOST",
      defaultValue = "${env:LUMINA_SHARD_HOST:-}",
      description =
          "The address the other ranks reach this one at (default: $POD_IP, else this host's"
              + " address).")
  String shardHost;

  @Option(
      names = "--shard-bind",
      paramLabel = "HOST",
      defaultValue = "0.0.0.0",
      description = "Interface the shard transport listens on (default: ${DEFAULT-VALUE}).")
  String shardBind;

  @Option(
      names = "--formation-timeout",
      paramLabel = "SECONDS",
      defaultValue = "${env:LUMINA_FORMATION_TIMEOUT:-600}",
      description =
          "Longest wait for every rank to join (ranks load their model first); past it the"
              + " process exits with code 3 (default: ${DEFAULT-VALUE}).")
  long formationSeconds;

  /**
   * How this process takes part, or empty when {@code --group-size} is 1.
   *
   * @throws IllegalArgumentException naming the flag and what is wrong with it
   */
  Optional<ShardGroupMember.Settings> settings(ParallelDegrees degrees, Duration deadline) {
    if (groupSize < 1 || groupSize > 1024) {
      throw new IllegalArgumentException("--group-size must be in [1, 1024], got " + groupSize);
    }
    if (groupSize == 1) {
      return Optional.empty();
    }
    if (shardPort < 0 || shardPort > 65_535) {
      throw new IllegalArgumentException("--shard-port must be in [0, 65535], got " + shardPort);
    }
    if (formationSeconds < 1 || formationSeconds > 86_400) {
      throw new IllegalArgumentException(
          "--formation-timeout must be in [1, 86400] seconds, got " + formationSeconds);
    }
    if (degrees.ranks() != groupSize) {
      throw new IllegalArgumentException(
          "--group-size "
              + groupSize
              + " needs --parallel with "
              + groupSize
              + " ranks (cfg × ulysses × ring), got "
              + (degrees.ranks() == 1 ? "none" : degrees + " (" + degrees.ranks() + ")"));
    }
    if (rank < 0 || rank >= groupSize) {
      throw new IllegalArgumentException(
          "--rank must be in [0, " + (groupSize - 1) + "], got " + rank);
    }
    String self = advertisedHost();
    String lead = leader == null ? "" : leader.strip();
    if (lead.isEmpty()) {
      if (rank != 0) {
        throw new IllegalArgumentException(
            "--leader HOST[:PORT] is required on rank " + rank + " (or $LWS_LEADER_ADDRESS)");
      }
      lead = self;
    }
    if (!lead.matches(".*:\\d+")) {
      if (shardPort == 0) {
        throw new IllegalArgumentException(
            "--leader " + lead + " names no port and --shard-port is 0: give one of them");
      }
      lead = lead + ":" + shardPort;
    }
    return Optional.of(
        new ShardGroupMember.Settings(
            groupSize,
            rank,
            lead,
            degrees,
            shardBind,
            self,
            shardPort,
            deadline,
            Duration.ofSeconds(formationSeconds)));
  }

  private String advertisedHost() {
    if (shardHost != null && !shardHost.isBlank()) {
      return shardHost.strip();
    }
    String pod = System.getenv("POD_IP");
    if (pod != null && !pod.isBlank()) {
      return pod.strip();
    }
    try {
      return InetAddress.getLocalHost().getHostAddress();
    } catch (UnknownHostException e) {
      return "127.0.0.1";
    }
  }
}

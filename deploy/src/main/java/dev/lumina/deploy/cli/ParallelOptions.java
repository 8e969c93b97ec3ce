package dev.lumina.deploy.cli;

import dev.lumina.engine.Engines;
import dev.lumina.engine.ShardGroup;
import dev.lumina.engine.parallel.ParallelDegrees;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code --parallel}, {@code --devices} and {@code --collective-timeout}: one job across several
 * ranks of this process (a shard group), shared by {@code worker} and {@code serve}.
 */
final class ParallelOptions {
  @Option(
      names = "--parallel",
      paramLabel = "cfg=N,ulysses=N,ring=N",
      defaultValue = "${env:LUMINA_PARALLEL:-}",
      description =
          "Run each job across cfg × ulysses × ring ranks of this process: cfg=2 puts the"
              + " conditional and unconditional rows on two ranks, ulysses splits the tokens"
              + " and, inside attention, the heads (must divide the model's heads), ring passes"
              + " key/value blocks around ranks (no head limit). Empty: one rank.")
  String parallel;

  @Option(
      names = "--devices",
      split = ",",
      paramLabel = "DEVICE",
      description =
          "Device of each rank, in rank order (default: the engine's default device, where the"
              + " model is loaded, for every rank).")
  List<String> devices;

  @Option(
      names = "--collective-timeout",
      defaultValue = "300",
      paramLabel = "SECONDS",
      description =
          "Longest wait of one rank for the others inside a collective; a rank that stalls"
              + " longer fails the job (default: ${DEFAULT-VALUE}).")
  long collectiveTimeoutSeconds;

  /**
   * The shard group these flags ask for, or empty for one rank.
   *
   * @throws IllegalArgumentException naming the flag and what is wrong with it
   */
  Optional<ShardGroup> group() {
    ParallelDegrees d = degrees();
    Duration deadline = deadline();
    if (devices != null && !devices.isEmpty()) {
      if (devices.size() != d.ranks()) {
        throw new IllegalArgumentException(
            "--devices names "
                + devices.size()
                + " devices for "
                + d.ranks()
                + " ranks (--parallel "
                + d
                + ")");
      }
      List<String> resolved = new ArrayList<>();
      for (String dev : devices) {
        resolved.add(Engines.deviceName(dev));
      }
      String home = Engines.deviceName("");
      if (resolved.stream().anyMatch(r -> !r.equals(home))) {
        throw new IllegalArgumentException(
            "--devices "
                + String.join(",", devices)
                + ": every rank must use the model's device ("
                + home
                + ") in this version; ranks on other devices would each need their own copy of"
                + " the model");
      }
    }
    if (d.ranks() == 1) {
      return Optional.empty();
    }
    return Optional.of(new ShardGroup(d, deadline));
  }

  /**
   * The degrees {@code --parallel} names (one rank when empty).
   *
   * @throws IllegalArgumentException naming the flag
   */
  ParallelDegrees degrees() {
    try {
      return ParallelDegrees.parse(parallel);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--parallel: " + e.getMessage());
    }
  }

  /**
   * The longest wait of one collective call.
   *
   * @throws IllegalArgumentException naming the flag
   */
  Duration deadline() {
    if (collectiveTimeoutSeconds < 1 || collectiveTimeoutSeconds > 86_400) {
      throw new IllegalArgumentException(
          "--collective-timeout must be in [1, 86400] seconds, got " + collectiveTimeoutSeconds);
    }
    return Duration.ofSeconds(collectiveTimeoutSeconds);
  }

  /** Whether {@code --devices} was given. */
  boolean namesDevices() {
    return devices != null && !devices.isEmpty();
  }
}

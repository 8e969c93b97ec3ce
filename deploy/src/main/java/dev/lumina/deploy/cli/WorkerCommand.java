package dev.lumina.deploy.cli;

import dev.lumina.artifacts.ArtifactStore;
import dev.lumina.artifacts.ArtifactStoreException;
import dev.lumina.artifacts.RetentionSweeper;
import dev.lumina.deploy.kafka.EmbeddedKafkaConfig;
import dev.lumina.deploy.metrics.ManagementServer;
import dev.lumina.deploy.tls.ClientTls;
import dev.lumina.deploy.tls.TlsFileException;
import dev.lumina.engine.ModelLayout;
import dev.lumina.engine.ShardGroup;
import dev.lumina.engine.parallel.CollectiveException;
import dev.lumina.proto.Topics;
import dev.lumina.worker.WorkerConfig;
import dev.lumina.worker.WorkerServer;
import dev.lumina.worker.WorkerStartException;
import dev.lumina.worker.flagdit.Checkpoints;
import dev.lumina.worker.flagdit.FlagDitJobExecutor;
import dev.lumina.worker.shard.ShardGroupMember;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lumina worker --kafka HOST:PORT --model DIR}: loads a model directory, announces it on
 * {@code lumina.models} and serves its work topics until SIGTERM or Ctrl-C (then drains: the
 * running job finishes and is recorded before the process exits). With {@code --chunk-sink-tls-ca}
 * (or {@code --chunk-sink-tls}) it delivers chunks to the gateways over TLS, presenting {@code
 * --chunk-sink-tls-cert} where a gateway asks for client certificates.
 */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = "Run a worker: Flag-DiT jobs from lumina.work.<modality>.<tier> topics.")
final class WorkerCommand implements Callable<Integer> {
  /** Exit code of a rank whose shard group broke or did not form. */
  static final int GROUP_LOST = 3;

  @Option(
      names = "--kafka",
      paramLabel = "HOST:PORT",
      defaultValue = "${env:LUMINA_KAFKA:-" + EmbeddedKafkaConfig.DEFAULT_BOOTSTRAP + "}",
      description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
  String kafka;

  @Mixin ModelOptions model;

  @Mixin EngineOptions engine;

  @Mixin ParallelOptions parallel;

  @Mixin ShardGroupOptions shardGroup;

  @Mixin MetricsOptions metrics;

  @Mixin TlsOptions.ChunkSinkClient chunkSinkTls;

  @Option(
      names = "--topics",
      paramLabel = "TOPIC",
      split = ",",
      description =
          "Work topics to serve (default: lumina.work.<modality>.<tier> for each of the model's"
              + " modalities and --tiers).")
  List<String> topics;

  @Option(
      names = "--tiers",
      paramLabel = "NAME",
      split = ",",
      defaultValue = "${env:LUMINA_WORKER_TIERS:-s}",
      description = "Tiers served when --topics is not given (default: ${DEFAULT-VALUE}).")
  List<String> tiers;

  @Option(
      names = "--group",
      paramLabel = "ID",
      defaultValue = "${env:LUMINA_WORKER_GROUP:-" + WorkerConfig.DEFAULT_GROUP_ID + "}",
      description = "Consumer group shared by the pool (default: ${DEFAULT-VALUE}).")
  String group;

  @Option(
      names = "--worker-id",
      paramLabel = "ID",
      defaultValue = "${env:LUMINA_WORKER_ID:-}",
      description = "Name in logs and events (default: worker-<pid>).")
  String workerId;

  @Mixin ArtifactOptions artifacts;

  @Option(
      names = "--artifact-retention",
      paramLabel = "AGE",
      defaultValue = "${env:LUMINA_ARTIFACT_RETENTION:-0}",
      description =
          "Delete artifacts older than this (e.g. 24h, 7d; swept hourly); 0 = keep them"
              + " (default: ${DEFAULT-VALUE}).")
  String retention;

  @Option(
      names = "--checkpoint-every",
      paramLabel = "N|DURATION",
      defaultValue = "${env:LUMINA_CHECKPOINT_EVERY:-off}",
      description =
          "Write a running job's sampler state to the artifact store every N steps or every"
              + " DURATION (e.g. 5, 30s); a job redelivered after this worker dies continues from"
              + " its newest checkpoint, with the same result. off = never (default:"
              + " ${DEFAULT-VALUE}).")
  String checkpointEvery;

  @Option(
      names = "--drain-timeout",
      paramLabel = "SECONDS",
      defaultValue = "" + WorkerConfig.DEFAULT_DRAIN_TIMEOUT_SECONDS,
      description =
          "On shutdown, how long the running job may take before it is cancelled (default:"
              + " ${DEFAULT-VALUE}).")
  long drainSeconds;

  @Mixin BatchingOptions batching;

  @Option(
      names = "--session-timeout",
      paramLabel = "SECONDS",
      defaultValue =
          "${env:LUMINA_WORKER_SESSION_TIMEOUT:-"
              + WorkerConfig.DEFAULT_SESSION_TIMEOUT_SECONDS
              + "}",
      description =
          "Kafka session timeout: how soon a dead worker's unfinished jobs move to another worker; "
              + "6..1800; heartbeats go every second (default: ${DEFAULT-VALUE}).")
  long sessionTimeoutSeconds;

  @Override
  public Integer call() throws InterruptedException {
    String id =
        workerId == null || workerId.isBlank()
            ? "worker-" + ProcessHandle.current().pid()
            : workerId;
    ClientTls deliveries;
    try {
      deliveries = chunkSinkTls.load();
    } catch (TlsFileException e) {
      System.err.println("lumina worker: " + e.getMessage());
      return 2;
    }
    FlagDitJobExecutor executor;
    ModelLayout layout;
    try {
      layout = model.layout();
      engine.apply();
    } catch (IllegalArgumentException e) {
      System.err.println("lumina worker: " + e.getMessage());
      return 2;
    }
    ArtifactStore store;
    Duration keep;
    Checkpoints.Policy checkpoints;
    try {
      checkpoints = Checkpoints.Policy.parse(checkpointEvery);
      keep = ArtifactOptions.retention(retention);
      store = artifacts.open();
    } catch (ArtifactStoreException | IllegalArgumentException e) {
      System.err.println("lumina worker: " + e.getMessage());
      return 2;
    }
    if (!keep.isZero()) {
      RetentionSweeper.start(
          store,
          keep,
          keep.compareTo(Duration.ofHours(1)) < 0 ? keep : Duration.ofHours(1),
          java.time.Clock.systemUTC());
    }
    Optional<ShardGroup> shards;
    Optional<ShardGroupMember.Settings> member;
    try {
      batching.validate();
      member = shardGroup.settings(parallel.degrees(), parallel.deadline());
      if (member.isPresent() && parallel.namesDevices()) {
        throw new IllegalArgumentException(
            "--devices: each rank of a group of processes (--group-size) runs on its own"
                + " process's device (--device)");
      }
      shards = member.isPresent() ? Optional.empty() : parallel.group();
    } catch (IllegalArgumentException e) {
      System.err.println("lumina worker: " + e.getMessage());
      return 2;
    }
    try {
      executor = FlagDitJobExecutor.load(layout, store, id, checkpoints);
    } catch (IOException | RuntimeException e) {
      shards.ifPresent(ShardGroup::close);
      System.err.println("lumina worker: --model " + layout.root() + ": " + e.getMessage());
      return 2;
    }
    if (shards.isPresent()) {
      try {
        executor.useShardGroup(shards.get());
      } catch (IllegalArgumentException | IllegalStateException e) {
        shards.get().close();
        executor.close();
        System.err.println("lumina worker: --parallel: " + e.getMessage());
        return 2;
      }
    }
    if (shards.isEmpty() && member.isEmpty()) {
      executor.useStepBatching(batching.batchTokens, batching.maxBatch);
    }
    Optional<ShardGroupMember> peers = Optional.empty();
    if (member.isPresent()) {
      ShardGroupMember.Settings m = member.get();
      try {
        executor.checkShardable(m.degrees());
      } catch (IllegalArgumentException | IllegalStateException e) {
        executor.close();
        System.err.println("lumina worker: --parallel: " + e.getMessage());
        return 2;
      }
      System.out.println(
          "lumina worker "
              + id
              + ": rank "
              + m.rank()
              + " of "
              + m.groupSize()
              + " ("
              + m.degrees()
              + "), forming the shard group with the leader at "
              + m.leader());
      try {
        peers = Optional.of(ShardGroupMember.form(m));
      } catch (CollectiveException e) {
        executor.close();
        System.err.println("lumina worker: shard group: " + e.getMessage());
        return GROUP_LOST;
      }
      if (m.rank() > 0) {
        return follow(id, executor, peers.get());
      }
      ShardGroupMember group = peers.get();
      executor.leadShardPeers(
          group,
          e -> {
            System.err.println(
                "lumina worker "
                    + id
                    + ": shard group "
                    + group.epoch()
                    + " lost during a job ("
                    + e.getMessage()
                    + "); exiting with code 3 so the group forms again: the job is not"
                    + " recorded and Kafka delivers it again");
            System.err.flush();
            // No drain and no offset commit: the job must run again on the re-formed group.
            Runtime.getRuntime().halt(GROUP_LOST);
          });
    }
    WorkerServer worker;
    try {
      List<String> served = topics == null || topics.isEmpty() ? defaultTopics(executor) : topics;
      WorkerConfig config =
          WorkerConfig.builder(kafka, served, id)
              .groupId(group)
              .drainTimeout(Duration.ofSeconds(drainSeconds))
              .maxBatch(batching.maxBatch)
              .sessionTimeout(Duration.ofSeconds(sessionTimeoutSeconds))
              .chunkSinkCredentials(deliveries.credentials())
              .build();
      worker = new WorkerServer(config, executor, metrics.registry());
    } catch (IllegalArgumentException e) {
      executor.close();
      System.err.println("lumina worker: " + e.getMessage());
      return 2;
    }
    Optional<ManagementServer> management;
    try {
      worker.start();
      WorkerServer started = worker;
      management = metrics.start().map(m -> m.readiness("worker", () -> !started.isTerminated()));
    } catch (WorkerStartException | RuntimeException e) {
      worker.close();
      executor.close();
      System.err.println("lumina worker: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Optional<ShardGroupMember> leader = peers;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  management.ifPresent(ManagementServer::close);
                  worker.close();
                  executor.close();
                  leader.ifPresent(ShardGroupMember::close);
                  stopped.countDown();
                },
                "lumina-worker-shutdown"));
    String name = executor.modelCard().map(c -> c.getInfo().getName()).orElse(model.toString());
    System.out.println(
        "lumina worker "
            + id
            + ": model "
            + name
            + " serving "
            + String.join(",", worker.topics())
            + " from Kafka "
            + kafka
            + (deliveries.isTls() ? ", chunks over TLS" : "")
            + (checkpoints.enabled() ? ", checkpoints " + checkpoints : "")
            + (executor.concurrentJobs() > 1
                ? ", step batching "
                    + batching.batchTokens
                    + " tokens, up to "
                    + batching.maxBatch
                    + " jobs"
                : "")
            + peers
                .map(g -> ", leading shard group " + g.epoch() + " (" + g.degrees() + ")")
                .orElse(""));
    stopped.await();
    return 0;
  }

  /**
   * A follower rank: consumes nothing, runs every batch its leader sends until the group breaks,
   * then exits with {@value #GROUP_LOST} (the group is formed again by restarting its ranks).
   */
  private int follow(String id, FlagDitJobExecutor executor, ShardGroupMember group)
      throws InterruptedException {
    Optional<ManagementServer> management;
    try {
      management = metrics.start().map(m -> m.readiness("worker", () -> true));
    } catch (RuntimeException e) {
      group.close();
      executor.close();
      System.err.println("lumina worker: " + e.getMessage());
      return 1;
    }
    CountDownLatch followed = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              management.ifPresent(ManagementServer::close);
              group.close();
              try {
                // The batch in progress fails at its next collective; then the model can go.
                followed.await(30, java.util.concurrent.TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              executor.close();
            },
            "lumina-worker-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    String name = executor.modelCard().map(c -> c.getInfo().getName()).orElse(model.toString());
    System.out.println(
        "lumina worker "
            + id
            + ": model "
            + name
            + " following the leader of shard group "
            + group.epoch()
            + " as rank "
            + group.world().rank()
            + " of "
            + group.world().size()
            + " ("
            + group.degrees()
            + ")");
    try {
      executor.follow(group);
    } catch (CollectiveException e) {
      System.err.println(
          "lumina worker "
              + id
              + ": shard group "
              + group.epoch()
              + " ended ("
              + e.getMessage()
              + "); exiting with code 3 so the group forms again");
    } finally {
      followed.countDown();
    }
    return GROUP_LOST;
  }

  private List<String> defaultTopics(FlagDitJobExecutor executor) {
    return Topics.work(executor.modelCard().orElseThrow().getInfo().getModalitiesList(), tiers);
  }
}

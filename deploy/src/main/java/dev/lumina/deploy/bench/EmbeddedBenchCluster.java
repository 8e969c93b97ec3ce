package dev.lumina.deploy.bench;

import dev.lumina.deploy.cli.GatewayCommand;
import dev.lumina.deploy.kafka.EmbeddedKafka;
import dev.lumina.deploy.kafka.EmbeddedKafkaConfig;
import dev.lumina.gateway.GatewayConfig;
import dev.lumina.gateway.GatewayServer;
import dev.lumina.proto.Topics;
import dev.lumina.proto.v1.Modality;
import dev.lumina.scheduler.SchedulerConfig;
import dev.lumina.scheduler.SchedulerServer;
import dev.lumina.worker.artifact.FileSystemArtifactStore;
import dev.lumina.worker.WorkerConfig;
import dev.lumina.worker.WorkerServer;
import dev.lumina.worker.WorkerStartException;
import dev.lumina.worker.flagdit.FlagDitJobExecutor;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole cluster in this JVM for the benchmark: an embedded broker, the scheduler, one gateway and
 * one worker serving every tier of the model's modalities, all with their default configs except the
 * knobs of {@link Tuning}. {@link #close} stops them in reverse start order. Thread-safe to close.
 */
public final class EmbeddedBenchCluster implements AutoCloseable {

  /**
   * Settings that trade CPU for latency, passed through the roles' own config records.
   *
   * @param releaseWindow the scheduler's most unstarted jobs per work topic
   * @param workerPoll the worker's longest {@code poll()}: also how soon it notices a finished job
   * @param maxBatch most same-shape jobs the worker samples as one batch
   */
  public record Tuning(int releaseWindow, Duration workerPoll, int maxBatch) {
    public Tuning {
      if (releaseWindow < 1) {
        throw new IllegalArgumentException("release-window must be >= 1, got " + releaseWindow);
      }
      if (workerPoll == null || workerPoll.isNegative() || workerPoll.isZero()) {
        throw new IllegalArgumentException("worker-poll must be positive, got " + workerPoll);
      }
      if (maxBatch < 1 || maxBatch > WorkerConfig.MAX_BATCH) {
        throw new IllegalArgumentException("max-batch must be in 1.." + WorkerConfig.MAX_BATCH + ", got " + maxBatch);
      }
    }
  }

  private final List<AutoCloseable> started;
  private final int gatewayPort;

  private EmbeddedBenchCluster(List<AutoCloseable> started, int gatewayPort) {
    this.started = started;
    this.gatewayPort = gatewayPort;
  }

  /**
   * Starts the cluster with its data under {@code dataDir} serving {@code modelDir}.
   *
   * @throws IOException if the model cannot be loaded
   * @throws IllegalStateException if a role does not start (the message says which)
   */
  public static EmbeddedBenchCluster start(Path dataDir, Path modelDir, Tuning tuning) throws IOException {
    List<AutoCloseable> started = new ArrayList<>();
    try {
      FlagDitJobExecutor executor = FlagDitJobExecutor.load(modelDir,
          new FileSystemArtifactStore(dataDir.resolve("artifacts")), "bench");
      started.add(executor);
      EmbeddedKafka kafka = new EmbeddedKafka(EmbeddedKafkaConfig.ephemeral(dataDir.resolve("kafka")));
      started.add(kafka);
      kafka.start();
      String bootstrap = kafka.bootstrapServers();
      started.add(SchedulerServer.start(SchedulerConfig.local(bootstrap).withReleaseWindow(tuning.releaseWindow())));
      List<String> topics = new ArrayList<>();
      for (Modality m : executor.modelCard().orElseThrow().getInfo().getModalitiesList()) {
        SchedulerConfig.local(bootstrap).tiers().tiers().forEach(t -> topics.add(Topics.work(m, t.name())));
      }
      WorkerConfig d = WorkerConfig.of(bootstrap, topics, "bench-worker");
      WorkerConfig wc = new WorkerConfig(bootstrap, topics, d.groupId(), d.workerId(), tuning.workerPoll(),
          d.maxPollInterval(), d.eventTimeout(), d.chunkAckTimeout(), Duration.ofSeconds(10), d.controlLookback(),
          tuning.maxBatch());
      WorkerServer worker = new WorkerServer(wc, executor);
      started.add(worker);
      worker.start();
      GatewayServer gateway = GatewayServer.start(GatewayConfig.local(bootstrap), GatewayCommand.grpcHost());
      started.add(gateway);
      return new EmbeddedBenchCluster(started, gateway.port());
    } catch (WorkerStartException | RuntimeException e) {
      closeAll(started);
      throw new IllegalStateException("cannot start the benchmark cluster: " + e.getMessage(), e);
    } catch (IOException e) {
      closeAll(started);
      throw e;
    }
  }

  /** The gateway's public port on 127.0.0.1. */
  public int gatewayPort() {
    return gatewayPort;
  }

  @Override
  public synchronized void close() {
    closeAll(started);
  }

  private static void closeAll(List<AutoCloseable> started) {
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).close();
      } catch (Exception e) {
        // Keep closing the rest; the benchmark's figures are already printed.
      }
    }
    started.clear();
  }
}

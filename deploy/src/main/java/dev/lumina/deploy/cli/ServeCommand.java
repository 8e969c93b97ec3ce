package dev.lumina.deploy.cli;

import dev.lumina.deploy.kafka.EmbeddedKafka;
import dev.lumina.deploy.kafka.EmbeddedKafkaConfig;
import dev.lumina.gateway.GatewayConfig;
import dev.lumina.gateway.GatewayServer;
import dev.lumina.proto.Tiers;
import dev.lumina.proto.Topics;
import dev.lumina.proto.v1.Modality;
import dev.lumina.scheduler.SchedulerConfig;
import dev.lumina.scheduler.SchedulerServer;
import dev.lumina.worker.artifact.FileSystemArtifactStore;
import dev.lumina.worker.runtime.WorkerConfig;
import dev.lumina.worker.runtime.WorkerServer;
import dev.lumina.worker.runtime.WorkerStartException;
import dev.lumina.worker.runtime.flagdit.FlagDitJobExecutor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lumina serve --model DIR}: the whole cluster in one JVM — an embedded single-node Kafka
 * broker, the scheduler, a gateway and one worker serving every tier of the model's modalities.
 * Runs until SIGTERM or Ctrl-C, then stops the worker first (it finishes its running job and
 * streams the result through the still-open gateway; jobs accepted meanwhile stay durable in the
 * broker's data for the next start), then the gateway, the scheduler and the broker.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Run everything in one process: Kafka broker, scheduler, gateway and one worker.")
public final class ServeCommand implements Callable<Integer> {

  @Option(names = "--model", paramLabel = "DIR", required = true, defaultValue = "${env:LUMINA_MODEL}",
      description = "Model directory the worker serves.")
  Path model;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:LUMINA_DATA_DIR:-data}",
      description = "Broker data (kafka/) and artifacts (artifacts/) live here (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--host", paramLabel = "HOST", defaultValue = "${env:LUMINA_HOST:-127.0.0.1}",
      description = "Address every port binds to (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", paramLabel = "N", defaultValue = "${env:LUMINA_GATEWAY_PORT:-8443}",
      description = "Public gRPC port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--chunk-sink-port", paramLabel = "N", defaultValue = "0",
      description = "Internal ChunkSink port, 0 = any free port (default: ${DEFAULT-VALUE}).")
  int chunkSinkPort;

  @Option(names = "--kafka-port", paramLabel = "N", defaultValue = "${env:LUMINA_KAFKA_PORT:-9092}",
      description = "Broker client port, so more workers can join (default: ${DEFAULT-VALUE}).")
  int kafkaPort;

  @Option(names = "--tiers", paramLabel = "SPEC", defaultValue = "${env:LUMINA_TIERS:-" + Tiers.DEFAULT_SPEC + "}",
      description = "Worker tiers name=maxTokens,... smallest first (default: ${DEFAULT-VALUE}).")
  String tiers;

  @Override
  public Integer call() throws InterruptedException {
    Tiers tierSpec;
    EmbeddedKafkaConfig kafkaConfig;
    try {
      tierSpec = Tiers.parse(tiers);
      kafkaConfig = new EmbeddedKafkaConfig(dataDir.resolve("kafka"), host, kafkaPort, 0, Map.of());
    } catch (IllegalArgumentException e) {
      System.err.println("lumina serve: " + e.getMessage());
      return 2;
    }
    FlagDitJobExecutor executor;
    try {
      executor = FlagDitJobExecutor.load(model, new FileSystemArtifactStore(dataDir.resolve("artifacts")), "serve");
    } catch (IOException | RuntimeException e) {
      System.err.println("lumina serve: --model " + model + ": " + e.getMessage());
      return 2;
    }
    List<AutoCloseable> started = new ArrayList<>();
    started.add(executor);
    WorkerServer worker;
    try {
      EmbeddedKafka kafka = new EmbeddedKafka(kafkaConfig);
      started.add(kafka);
      kafka.start();
      String bootstrap = kafka.bootstrapServers();
      SchedulerServer scheduler = SchedulerServer.start(SchedulerConfig.local(bootstrap).withTiers(tierSpec));
      started.add(scheduler);
      List<String> topics = new ArrayList<>();
      for (Modality m : executor.modelCard().orElseThrow().getInfo().getModalitiesList()) {
        tierSpec.tiers().forEach(t -> topics.add(Topics.work(m, t.name())));
      }
      worker = new WorkerServer(WorkerConfig.of(bootstrap, topics, "serve-worker"), executor);
      started.add(worker);
      worker.start();
      GatewayServer gateway = GatewayServer.start(
          GatewayConfig.local(bootstrap).withPorts(port, chunkSinkPort).withTiers(tierSpec), GatewayCommand.grpcHost());
      started.add(gateway);
      System.out.println("lumina serve: gateway on " + host + ":" + gateway.port() + ", Kafka " + bootstrap
          + ", model " + executor.modelCard().orElseThrow().getInfo().getName() + "; Ctrl-C to stop");
    } catch (WorkerStartException | RuntimeException e) {
      // Anything that fails during start-up: report it and undo what started.
      System.err.println("lumina serve: " + e.getMessage());
      closeAll(started);
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      worker.close();
      closeAll(started);
      stopped.countDown();
    }, "lumina-serve-shutdown"));
    stopped.await();
    return 0;
  }

  /** Closes in reverse start order: gateway, worker (if still running), scheduler, broker, model. */
  private static void closeAll(List<AutoCloseable> started) {
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).close();
      } catch (Exception e) {
        System.err.println("lumina serve: while stopping: " + e.getMessage());
      }
    }
  }
}

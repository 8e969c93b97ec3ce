package dev.lumina.deploy.cli;

import dev.lumina.deploy.kafka.EmbeddedKafka;
import dev.lumina.deploy.kafka.EmbeddedKafkaConfig;
import dev.lumina.deploy.kafka.PortInUseException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lumina kafka}: runs a real single-node KRaft broker in this process until SIGTERM or
 * Ctrl-C, for running the roles separately on one machine without installing Kafka.
 */
@Command(
    name = "kafka",
    mixinStandardHelpOptions = true,
    description = "Run a single-node Kafka broker (KRaft) in-process until SIGTERM/Ctrl-C.")
final class KafkaCommand implements Callable<Integer> {

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      defaultValue = "${env:LUMINA_KAFKA_DATA_DIR:-data/kafka}",
      description = "Broker data directory, formatted on first start (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--host",
      paramLabel = "HOST",
      defaultValue = "${env:LUMINA_KAFKA_HOST:-127.0.0.1}",
      description = "Address to bind and advertise (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      defaultValue = "${env:LUMINA_KAFKA_PORT:-9092}",
      description = "Client port, 0 = any free port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--controller-port",
      paramLabel = "PORT",
      defaultValue = "${env:LUMINA_KAFKA_CONTROLLER_PORT:-9093}",
      description = "KRaft controller port, 0 = any free port (default: ${DEFAULT-VALUE}).")
  int controllerPort;

  @Override
  public Integer call() throws InterruptedException {
    EmbeddedKafkaConfig config;
    try {
      config = new EmbeddedKafkaConfig(dataDir, host, port, controllerPort, Map.of());
    } catch (IllegalArgumentException e) {
      System.err.println("lumina kafka: " + e.getMessage());
      return 2;
    }
    EmbeddedKafka kafka = new EmbeddedKafka(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              System.out.println("lumina kafka: stopping broker");
              kafka.close();
              stopped.countDown();
            },
            "lumina-kafka-shutdown");
    try {
      kafka.start();
    } catch (PortInUseException e) {
      System.err.println("lumina kafka: " + e.getMessage());
      kafka.close();
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(hook);
    System.out.println(
        "lumina kafka: broker ready, bootstrap servers "
            + kafka.bootstrapServers()
            + " (data "
            + dataDir.toAbsolutePath()
            + "); Ctrl-C to stop");
    stopped.await();
    return 0;
  }
}

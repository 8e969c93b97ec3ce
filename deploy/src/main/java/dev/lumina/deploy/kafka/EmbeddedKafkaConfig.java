package dev.lumina.deploy.kafka;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of a single-node KRaft broker run in-process by {@link EmbeddedKafka}.
 *
 * @param dataDir directory holding the broker's log and metadata; formatted on first start, reused
 *     after
 * @param host address both listeners bind to and advertise (loopback by default)
 * @param brokerPort client listener port, 0 to pick a free port at start, else 1..65535
 * @param controllerPort KRaft controller listener port, 0 to pick a free port at start, else
 *     1..65535
 * @param extraProperties further broker properties; they override the defaults (never the
 *     listeners)
 */
public record EmbeddedKafkaConfig(
    Path dataDir,
    String host,
    int brokerPort,
    int controllerPort,
    Map<String, String> extraProperties) {

  /** Default client port, matching a stock Kafka install. */
  public static final int DEFAULT_BROKER_PORT = 9092;

  /**
   * Where the roles look for Kafka by default: a broker started with {@code lumina kafka} on this
   * machine.
   */
  public static final String DEFAULT_BOOTSTRAP = "127.0.0.1:" + DEFAULT_BROKER_PORT;

  /** Default controller port, matching a stock KRaft install. */
  public static final int DEFAULT_CONTROLLER_PORT = 9093;

  public EmbeddedKafkaConfig {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("host must not be blank");
    }
    checkPort("brokerPort", brokerPort);
    checkPort("controllerPort", controllerPort);
    if (brokerPort != 0 && brokerPort == controllerPort) {
      throw new IllegalArgumentException(
          "brokerPort and controllerPort must differ, both are " + brokerPort);
    }
    extraProperties = Map.copyOf(Objects.requireNonNull(extraProperties, "extraProperties"));
  }

  /** Loopback, free ports, no extra properties: what tests use. */
  public static EmbeddedKafkaConfig ephemeral(Path dataDir) {
    return new EmbeddedKafkaConfig(dataDir, "127.0.0.1", 0, 0, Map.of());
  }

  private static void checkPort(String name, int port) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException(name + " must be 0 (free port) or 1..65535, got " + port);
    }
  }
}

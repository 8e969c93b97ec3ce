package dev.lumina.deploy.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.internals.Exit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, {@code process.roles=broker,controller}) running in this
 * JVM, built from Kafka's own server classes. Used by {@code lumina kafka}, {@code lumina serve}
 * and the integration tests.
 *
 * <p>Lifecycle: construct, {@link #start()} once, then {@link #close()}. The data directory is
 * formatted on the first start and reused afterwards; every later start first runs the node as a
 * controller alone until its old broker registration is fenced (see {@link
 * StaleRegistrationFence}), which adds about 9 s. Ports given as 0 are resolved to free ports just
 * before the broker binds them. Kafka's exit and halt procedures are replaced for the life of the
 * JVM so a fatal broker error throws {@link KafkaFatalErrorException} instead of killing the JVM
 * (and with it a test run or the other roles of {@code lumina serve}).
 *
 * <p>Thread-safety: {@code start} and {@code close} are synchronized; accessors may be called from
 * any thread after {@code start} returns.
 */
public final class EmbeddedKafka implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

  /** Longest wait for the controller to fence a restarting node's old broker registration. */
  private static final Duration FENCE_TIMEOUT = Duration.ofSeconds(60);

  private final EmbeddedKafkaConfig config;
  private KafkaRaftServer server;
  private int brokerPort;
  private int controllerPort;
  private boolean closed;

  /** Creates a broker that is not yet started. */
  public EmbeddedKafka(EmbeddedKafkaConfig config) {
    this.config = java.util.Objects.requireNonNull(config, "config");
  }

  /**
   * Formats storage if needed and starts the broker; returns once it accepts client connections.
   *
   * @throws PortInUseException if a configured port is already bound by another process
   * @throws IllegalStateException if already started or closed
   * @throws UncheckedIOException if the data directory cannot be created or formatted
   */
  public synchronized void start() {
    if (server != null || closed) {
      throw new IllegalStateException(
          "EmbeddedKafka can be started once; it is " + (closed ? "closed" : "running"));
    }
    installThrowingExitProcedures();
    brokerPort = resolvePort("brokerPort", config.brokerPort());
    controllerPort = resolvePort("controllerPort", config.controllerPort());
    if (brokerPort == controllerPort) {
      controllerPort = resolvePort("controllerPort", 0);
    }
    Properties props = BrokerProperties.build(config, brokerPort, controllerPort);
    boolean restart = StaleRegistrationFence.neededFor(config.dataDir());
    try {
      Files.createDirectories(config.dataDir());
      formatIfNeeded(props);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare Kafka data directory " + config.dataDir(), e);
    }
    if (restart) {
      // See StaleRegistrationFence: started straight away, the broker acts on its old leadership
      // and can leave a transaction open for good on a single node.
      try {
        StaleRegistrationFence.run(props, config.host(), controllerPort, FENCE_TIMEOUT);
      } catch (RuntimeException e) {
        if (hasCause(e, BindException.class)) {
          throw new PortInUseException(config.host(), brokerPort, controllerPort, e);
        }
        throw e;
      }
    }
    KafkaRaftServer raft = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
    try {
      raft.startup();
    } catch (RuntimeException e) {
      shutdownQuietly(raft);
      if (hasCause(e, BindException.class)) {
        throw new PortInUseException(config.host(), brokerPort, controllerPort, e);
      }
      throw e;
    }
    server = raft;
    log.info(
        "Kafka broker ready at {} (controller port {}, data {})",
        bootstrapServers(),
        controllerPort,
        config.dataDir());
  }

  /** {@code host:port} of the client listener, for {@code bootstrap.servers}. */
  public synchronized String bootstrapServers() {
    requireStarted();
    return config.host() + ":" + brokerPort;
  }

  /** The port the client listener is bound to (the resolved one when configured as 0). */
  public synchronized int brokerPort() {
    requireStarted();
    return brokerPort;
  }

  /** The port the KRaft controller listener is bound to. */
  public synchronized int controllerPort() {
    requireStarted();
    return controllerPort;
  }

  /** Blocks until the broker has shut down (after {@link #close()} from another thread). */
  public void awaitShutdown() {
    KafkaRaftServer s;
    synchronized (this) {
      requireStarted();
      s = server;
    }
    s.awaitShutdown();
  }

  /** Shuts the broker down and waits for it; idempotent. Data stays in the data directory. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (server != null) {
      shutdownQuietly(server);
      log.info("Kafka broker at {}:{} stopped", config.host(), brokerPort);
    }
  }

  private void requireStarted() {
    if (server == null) {
      throw new IllegalStateException("EmbeddedKafka is not started");
    }
  }

  private void formatIfNeeded(Properties props) throws IOException {
    Path meta = config.dataDir().resolve("meta.properties");
    if (Files.exists(meta)) {
      return;
    }
    Path propsFile = config.dataDir().resolve("server.properties");
    try (OutputStream out = Files.newOutputStream(propsFile)) {
      props.store(out, "Lumina embedded Kafka broker");
    }
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int rc;
    try (PrintStream ps = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
      rc =
          StorageTool.execute(
              new String[] {
                "format", "-t", Uuid.randomUuid().toString(), "-c", propsFile.toString()
              },
              ps);
    }
    if (rc != 0) {
      throw new IOException(
          "kafka storage format failed (exit "
              + rc
              + "): "
              + captured.toString(StandardCharsets.UTF_8));
    }
  }

  private int resolvePort(String name, int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(config.host()), port));
      return socket.getLocalPort();
    } catch (BindException e) {
      throw new PortInUseException(name, config.host(), port, e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot probe " + name + " " + config.host() + ":" + port, e);
    }
  }

  private static void shutdownQuietly(KafkaRaftServer raft) {
    try {
      raft.shutdown();
      raft.awaitShutdown();
    } catch (RuntimeException e) {
      log.warn("error while shutting down Kafka broker", e);
    }
  }

  private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Kafka calls {@code Exit.halt}/{@code Exit.exit} on fatal errors, which would end the whole JVM
   * without a report. Replace both with procedures that throw; done once per JVM, harmless when
   * repeated.
   */
  private static void installThrowingExitProcedures() {
    Exit.setExitProcedure(
        (code, message) -> {
          throw new KafkaFatalErrorException("exit", code, message);
        });
    Exit.setHaltProcedure(
        (code, message) -> {
          throw new KafkaFatalErrorException("halt", code, message);
        });
  }
}

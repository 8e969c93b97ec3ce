package dev.lumina.deploy.kafka;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import javax.management.JMException;
import javax.management.ObjectName;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before a single-node broker starts again on its data, runs the node as a KRaft controller only
 * until the controller has fenced the broker's previous registration, then stops it; the node then
 * starts as broker and controller as usual.
 *
 * <p>Why: Kafka 4.4's transaction marker sender takes a partition without a leader for a deleted
 * one (KRaftMetadataCache returns no endpoint for it, KAFKA-20734): it drops the markers meant for
 * it and records the transaction complete. The partitions of that transaction then keep it open for
 * good — their last stable offset stops, and a transactional offset commit in it stays pending — so
 * every read_committed reader (workers, schedulers, gateways) and every group that committed in it
 * stalls. On a single node every partition loses its leader whenever the broker is fenced, which
 * used to happen while its transaction coordinator was working:
 *
 * <ul>
 *   <li>at a controlled shutdown (SIGTERM), between the controller moving leadership away and the
 *       coordinator resigning — hence {@code controlled.shutdown.enable=false} in {@link
 *       BrokerProperties};
 *   <li>after a crash, or a shutdown without that step, whose metadata still shows the broker
 *       registered, unfenced and leader of every partition: started directly, the broker acts on
 *       that stale leadership (its coordinator loads {@code __transaction_state} and starts on a
 *       transaction found in PREPARE_COMMIT or PREPARE_ABORT, whose markers cannot be delivered,
 *       its listener not being open yet) until the controller expires the old session after {@code
 *       broker.session.timeout.ms} (9 s) and fences it.
 * </ul>
 *
 * <p>A node whose broker is already fenced when it starts becomes leader, and its coordinators
 * load, only once its new registration is unfenced; markers then find their leader and are retried
 * until delivered. This pass puts every restarting node in that state; it costs about {@code
 * broker.session.timeout.ms} per restart and nothing on the first start. Stateless.
 */
final class StaleRegistrationFence {
  private static final Logger log = LoggerFactory.getLogger(StaleRegistrationFence.class);

  private static final Duration POLL = Duration.ofMillis(200);

  private StaleRegistrationFence() {}

  /**
   * True when {@code dataDir} holds a formatted node, which may have registered its broker before:
   * any start but the first.
   */
  static boolean neededFor(Path dataDir) {
    return Files.exists(dataDir.resolve("meta.properties"));
  }

  /**
   * Runs the node of {@code brokerProps} as a controller only until it has fenced broker {@code
   * node.id} (at most {@code timeout}), then shuts it down.
   */
  static void run(Properties brokerProps, String host, int controllerPort, Duration timeout) {
    Properties p = new Properties();
    p.putAll(brokerProps);
    p.setProperty("process.roles", "controller");
    p.setProperty("listeners", "CONTROLLER://" + host + ":" + controllerPort);
    p.remove("advertised.listeners");
    p.remove("inter.broker.listener.name");
    int nodeId = Integer.parseInt(p.getProperty("node.id"));
    log.info(
        "Kafka data {} was used before: fencing broker {}'s old registration before it starts",
        p.getProperty("log.dirs"),
        nodeId);
    long t0 = System.nanoTime();
    KafkaRaftServer controller = new KafkaRaftServer(KafkaConfig.fromProps(p, false), Time.SYSTEM);
    try {
      controller.startup();
      awaitFenced(nodeId, timeout);
    } finally {
      controller.shutdown();
      controller.awaitShutdown();
    }
    log.info(
        "broker {}'s old registration fenced in {} ms",
        nodeId,
        (System.nanoTime() - t0) / 1_000_000);
  }

  /**
   * Waits until the controller's own view of the cluster (its {@code ActiveBrokerCount} and {@code
   * FencedBrokerCount} gauges in JMX, fed from the metadata it has applied) shows no active broker
   * and at least one fenced one. A node whose broker never registered shows neither; it is let
   * through after {@code timeout} with a warning, since it has no stale leadership either.
   */
  private static void awaitFenced(int nodeId, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (System.nanoTime() < deadline) {
        if (gauge("ActiveBrokerCount") == 0 && gauge("FencedBrokerCount") >= 1) {
          return;
        }
        TimeUnit.NANOSECONDS.sleep(POLL.toNanos());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while fencing broker " + nodeId, e);
    }
    log.warn(
        "the controller showed no fenced broker within {} (active {}, fenced {}); starting anyway",
        timeout,
        gauge("ActiveBrokerCount"),
        gauge("FencedBrokerCount"));
  }

  /** The controller gauge {@code kafka.controller:type=KafkaController,name=<name>}, or -1. */
  private static long gauge(String name) {
    try {
      Object v =
          ManagementFactory.getPlatformMBeanServer()
              .getAttribute(
                  new ObjectName("kafka.controller:type=KafkaController,name=" + name), "Value");
      return v instanceof Number n ? n.longValue() : -1;
    } catch (JMException e) {
      // Not registered (yet): the controller has not started its metrics.
      return -1;
    }
  }
}

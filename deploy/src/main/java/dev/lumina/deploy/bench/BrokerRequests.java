package dev.lumina.deploy.bench;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Requests an in-process Kafka broker has handled, by type, from its {@code
 * kafka.network:type=RequestMetrics,name=RequestsPerSec} meters in this JVM's MBean server. A count
 * per job explains the capacity phase's CPU figure the way a timing cannot: it does not move with
 * the machine's load. Stateless.
 */
final class BrokerRequests {
  private BrokerRequests() {}

  /** Counts that repeat others ({@code FetchConsumer} and {@code FetchFollower} are Fetches). */
  private static final Set<String> SUBSETS = Set.of("FetchConsumer", "FetchFollower");

  /** Request type → requests handled so far; empty where no broker runs in this JVM. */
  static Map<String, Long> snapshot() {
    Map<String, Long> counts = new TreeMap<>();
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    try {
      for (ObjectName n :
          server.queryNames(
              new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,*"), null)) {
        String type = n.getKeyProperty("request");
        if (type != null
            && !SUBSETS.contains(type)
            && server.getAttribute(n, "Count") instanceof Number c) {
          counts.merge(type, c.longValue(), Long::sum);
        }
      }
    } catch (JMException e) {
      return Map.of();
    }
    return counts;
  }

  /**
   * "{@code Produce 1.02, Fetch 0.68, …}": requests of each type between the two snapshots per job,
   * most first, leaving out types of fewer than one request per hundred jobs; empty when there is
   * nothing to say.
   */
  static String perJob(Map<String, Long> before, Map<String, Long> after, int jobs) {
    if (jobs <= 0) {
      return "";
    }
    return after.entrySet().stream()
        .map(
            e ->
                Map.entry(
                    e.getKey(),
                    (e.getValue() - before.getOrDefault(e.getKey(), 0L)) / (double) jobs))
        .filter(e -> e.getValue() >= 0.01)
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue()))
        .collect(Collectors.joining(", "));
  }
}

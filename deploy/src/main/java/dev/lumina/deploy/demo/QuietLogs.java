package dev.lumina.deploy.demo;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Raises the log threshold of the cluster's chatty loggers (the project's INFO lines, Kafka's and
 * DJL's start-up WARNs) to ERROR while a one-shot command runs, so its own output stays readable;
 * {@link #close} puts the previous levels back. Not thread-safe: open and close on one thread.
 */
public final class QuietLogs implements AutoCloseable {
  private static final List<String> LOGGERS =
      List.of("dev.lumina", "org.apache", "kafka", "ai.djl", "io.grpc", "io.netty");

  private final Map<Logger, Level> before = new LinkedHashMap<>();

  private QuietLogs() {}

  /** Quiets the loggers now; when the SLF4J binding is not logback, does nothing. */
  public static QuietLogs open() {
    QuietLogs q = new QuietLogs();
    for (String name : LOGGERS) {
      if (LoggerFactory.getLogger(name) instanceof Logger l) {
        q.before.put(l, l.getLevel());
        l.setLevel(Level.ERROR);
      }
    }
    return q;
  }

  @Override
  public void close() {
    before.forEach(Logger::setLevel);
    before.clear();
  }
}

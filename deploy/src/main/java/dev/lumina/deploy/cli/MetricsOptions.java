package dev.lumina.deploy.cli;

import dev.lumina.deploy.metrics.ManagementServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code --metrics-port} and {@code --metrics-host} of a role: where its management port listens.
 */
final class MetricsOptions {
  @Option(
      names = "--metrics-port",
      paramLabel = "N",
      defaultValue = "${env:LUMINA_METRICS_PORT:-0}",
      description =
          "Management port: /metrics (Prometheus), /healthz, /readyz; 0 = off (default:"
              + " ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--metrics-host",
      paramLabel = "HOST",
      defaultValue = "${env:LUMINA_METRICS_HOST:-0.0.0.0}",
      description = "Address the management port binds to (default: ${DEFAULT-VALUE}).")
  String host;

  private PrometheusMeterRegistry registry;

  /** The registry the role's meters go to: Prometheus when the port is on, else a no-op one. */
  MeterRegistry registry() {
    if (port <= 0) {
      return new CompositeMeterRegistry();
    }
    if (registry == null) {
      registry = ManagementServer.newRegistry();
    }
    return registry;
  }

  /** Starts the management port when it is on; {@link #registry()} must have been called first. */
  Optional<ManagementServer> start() {
    if (port <= 0) {
      return Optional.empty();
    }
    if (port > 65_535) {
      throw new IllegalArgumentException("--metrics-port must be 0 (off) or 1..65535, got " + port);
    }
    return Optional.of(ManagementServer.start(host, port, (PrometheusMeterRegistry) registry()));
  }
}

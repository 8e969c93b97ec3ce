package dev.lumina.deploy.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * A role's management port, served by the JDK's HTTP server: {@code GET /metrics} (Prometheus text
 * format from the role's {@link PrometheusMeterRegistry}, JVM and process meters included), {@code
 * GET /healthz} (200 while the process runs) and {@code GET /readyz} (200 when every readiness
 * check passes, else 503 naming the ones that do not). Thread-safe; {@link #close} stops it.
 */
public final class ManagementServer implements AutoCloseable {
  private final PrometheusMeterRegistry registry;
  private final Map<String, BooleanSupplier> readiness = new LinkedHashMap<>();
  private final HttpServer http;
  private final ExecutorService threads;
  private final List<AutoCloseable> binders = new ArrayList<>();

  private ManagementServer(
      PrometheusMeterRegistry registry, HttpServer http, ExecutorService threads) {
    this.registry = registry;
    this.http = http;
    this.threads = threads;
  }

  /** A registry with the JVM and process meters every role reports. */
  public static PrometheusMeterRegistry newRegistry() {
    PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new ClassLoaderMetrics().bindTo(r);
    new JvmMemoryMetrics().bindTo(r);
    new JvmThreadMetrics().bindTo(r);
    new ProcessorMetrics().bindTo(r);
    new UptimeMetrics().bindTo(r);
    return r;
  }

  /**
   * Starts serving {@code registry} on {@code host:port} (0 = a free port).
   *
   * @throws UncheckedIOException when the port cannot be bound
   */
  public static ManagementServer start(String host, int port, PrometheusMeterRegistry registry) {
    HttpServer http;
    try {
      http = HttpServer.create(new InetSocketAddress(host, port), 16);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "metrics port " + host + ":" + port + ": " + e.getMessage(), e);
    }
    ExecutorService threads =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "lumina-management");
              t.setDaemon(true);
              return t;
            });
    ManagementServer s = new ManagementServer(registry, http, threads);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    s.binders.add(gc);
    http.setExecutor(threads);
    http.createContext("/metrics", s::metrics);
    http.createContext("/healthz", ex -> reply(ex, 200, "text/plain", "ok\n"));
    http.createContext("/readyz", s::ready);
    http.start();
    return s;
  }

  /**
   * Adds a readiness check named {@code name} (e.g. {@code kafka}, {@code model}, {@code grpc}).
   */
  public ManagementServer readiness(String name, BooleanSupplier check) {
    synchronized (readiness) {
      readiness.put(name, check);
    }
    return this;
  }

  /** The port it listens on. */
  public int port() {
    return http.getAddress().getPort();
  }

  private void metrics(HttpExchange ex) throws IOException {
    if (!"GET".equals(ex.getRequestMethod())) {
      reply(ex, 405, "text/plain", "GET only\n");
      return;
    }
    reply(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
  }

  private void ready(HttpExchange ex) throws IOException {
    List<String> failing = new ArrayList<>();
    synchronized (readiness) {
      readiness.forEach(
          (name, check) -> {
            boolean ok;
            try {
              ok = check.getAsBoolean();
            } catch (RuntimeException e) {
              ok = false;
            }
            if (!ok) {
              failing.add(name);
            }
          });
    }
    if (failing.isEmpty()) {
      reply(ex, 200, "text/plain", "ready\n");
    } else {
      reply(ex, 503, "text/plain", "not ready: " + String.join(", ", failing) + "\n");
    }
  }

  private static void reply(HttpExchange ex, int code, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    http.stop(0);
    threads.shutdownNow();
    for (AutoCloseable b : binders) {
      try {
        b.close();
      } catch (Exception e) {
        // A binder that fails to close leaves only its listeners behind.
      }
    }
  }
}

package dev.lumina.it.procs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway started before its broker says so every few seconds, reports not ready on its
 * management port, and starts serving once the broker is there.
 */
@Tag("processes")
class GatewayWaitsForKafkaTest {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  @TempDir Path dir;

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static int readyz(HttpClient http, int port) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  @Test
  void aGatewayWithoutKafkaSaysSoReportsNotReadyAndStartsWhenTheBrokerComes() throws Exception {
    int kafkaPort = freePort();
    int controllerPort = freePort();
    int metricsPort = freePort();
    try (RoleProcess gateway =
        RoleProcess.start(
            "gateway",
            dir,
            "192m",
            List.of(
                "gateway",
                "--kafka",
                "127.0.0.1:" + kafkaPort,
                "--port",
                "0",
                "--chunk-sink-port",
                "0",
                "--allow-anonymous",
                "--metrics-port",
                Integer.toString(metricsPort)))) {
      gateway.awaitLine(
          Pattern.compile("kafka: cannot reach 127\\.0\\.0\\.1:" + kafkaPort + " .*retrying"),
          START_TIMEOUT);
      HttpClient http = HttpClient.newHttpClient();
      await().atMost(START_TIMEOUT).until(() -> readyz(http, metricsPort) == 503);
      assertThat(gateway.output()).doesNotContain("serving lumina.v1");

      try (RoleProcess broker =
          RoleProcess.start(
              "kafka",
              dir,
              "256m",
              List.of(
                  "kafka",
                  "--data-dir",
                  dir.resolve("kafka").toString(),
                  "--port",
                  Integer.toString(kafkaPort),
                  "--controller-port",
                  Integer.toString(controllerPort)))) {
        gateway.awaitLine(Pattern.compile("serving lumina\\.v1 on "), START_TIMEOUT);
        await().atMost(START_TIMEOUT).until(() -> readyz(http, metricsPort) == 200);
        assertThat(broker.isAlive()).isTrue();
      }
    }
  }
}

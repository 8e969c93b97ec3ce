package dev.lumina.it.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.deploy.bench.BenchModelDir;
import dev.lumina.deploy.cluster.ClusterSettings;
import dev.lumina.deploy.cluster.ClusterTuning;
import dev.lumina.deploy.cluster.EmbeddedCluster;
import dev.lumina.engine.ModelLayout;
import dev.lumina.proto.Tiers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster {@code serve} and {@code demo} start: what happens when its Kafka port is taken. */
class EmbeddedClusterTest {
  @TempDir Path tmp;

  @Test
  void aTakenKafkaPortFallsBackToAFreePortAndSaysSoWhenAllowed() throws Exception {
    Path model = BenchModelDir.write(tmp.resolve("model"));
    StringWriter notices = new StringWriter();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      try (EmbeddedCluster cluster =
          EmbeddedCluster.start(settings(model, port, true), new PrintWriter(notices, true))) {
        assertThat(notices.toString())
            .contains("Kafka port 127.0.0.1:" + port + " is taken")
            .contains("uses " + cluster.bootstrapServers() + " instead");
        assertThat(cluster.bootstrapServers()).isNotEqualTo("127.0.0.1:" + port);
        assertThat(cluster.model().getName()).isEqualTo(BenchModelDir.NAME);
        assertThat(cluster.gatewayPort()).isPositive();
      }
    }
  }

  @Test
  void aTakenKafkaPortNamedExplicitlyIsAStartErrorNamingThePort() throws Exception {
    Path model = BenchModelDir.write(tmp.resolve("model"));
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      assertThatThrownBy(
              () ->
                  EmbeddedCluster.start(
                      settings(model, port, false), new PrintWriter(new StringWriter())))
          .isInstanceOf(EmbeddedCluster.StartException.class)
          .hasMessageContaining("127.0.0.1:" + port)
          .hasMessageContaining("already in use");
    }
  }

  @Test
  void aTakenGatewayPortIsReportedBeforeTheModelIsLoaded() throws Exception {
    Path missing = tmp.resolve("no-model-here");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      ClusterSettings s =
          new ClusterSettings(
              ModelLayout.of(missing),
              tmp.resolve("data-ports"),
              "127.0.0.1",
              port,
              0,
              0,
              false,
              Tiers.parse(Tiers.DEFAULT_SPEC),
              "it-ports",
              ClusterTuning.DEFAULTS);
      // The model folder does not exist: a StartException naming the port (not a
      // ModelLoadException)
      // shows the ports were checked first.
      assertThatThrownBy(() -> EmbeddedCluster.start(s, new PrintWriter(new StringWriter())))
          .isInstanceOf(EmbeddedCluster.StartException.class)
          .hasMessageContaining("gateway port 127.0.0.1:" + port + " is already in use");
    }
  }

  private ClusterSettings settings(Path model, int kafkaPort, boolean fallback) {
    return new ClusterSettings(
        ModelLayout.of(model),
        tmp.resolve("data"),
        "127.0.0.1",
        0,
        0,
        kafkaPort,
        fallback,
        Tiers.parse(Tiers.DEFAULT_SPEC),
        "it-cluster",
        ClusterTuning.DEFAULTS);
  }
}

package dev.lumina.it.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.deploy.bench.BenchModelDir;
import dev.lumina.deploy.client.GenerateClient;
import dev.lumina.deploy.cluster.ClusterSettings;
import dev.lumina.deploy.cluster.EmbeddedCluster;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.Geometry;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded cluster with a management port: after one job, {@code /metrics} has the scheduler's
 * and the worker's series with values that follow from that job, and the probes answer.
 */
class MetricsScrapeTest {
  @TempDir Path tmp;

  @Test
  void afterOneJobTheRolesSeriesAreScrapedWithSaneValues() throws Exception {
    Path model = BenchModelDir.write(tmp.resolve("model"));
    ClusterSettings settings =
        ClusterSettings.ephemeral(model, tmp.resolve("data"), "it-metrics").withMetricsPort(0);
    try (EmbeddedCluster cluster =
        EmbeddedCluster.start(settings, new PrintWriter(new StringWriter(), true))) {
      int port = cluster.metricsPort().orElseThrow();
      new GenerateClient(
              "it", new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()))
          .generate(
              "127.0.0.1:" + cluster.gatewayPort(),
              null,
              60,
              GenerateRequest.newBuilder().setPrompt("a red square").build(),
              tmp.resolve("out"),
              false);
      ManagedChannel channel =
          ManagedChannelBuilder.forAddress("127.0.0.1", cluster.gatewayPort())
              .usePlaintext()
              .build();
      try {
        assertThatThrownBy(
                () ->
                    GenerationGrpc.newBlockingStub(channel)
                        .submit(
                            GenerateRequest.newBuilder()
                                .setPrompt("x")
                                .setGeometry(Geometry.newBuilder().setWidth(17))
                                .build()))
            .isInstanceOf(StatusRuntimeException.class)
            .hasMessageContaining("INVALID_ARGUMENT");
      } finally {
        channel.shutdownNow();
      }
      HttpClient http = HttpClient.newHttpClient();
      String metrics = get(http, port, "/metrics").body();
      assertThat(value(metrics, "lumina_worker_jobs_total\\{outcome=\"succeeded\"[^}]*\\}"))
          .isEqualTo(1.0);
      assertThat(value(metrics, "lumina_worker_model_seconds_count\\{[^}]*\\}")).isEqualTo(1.0);
      assertThat(value(metrics, "lumina_worker_decode_seconds_count\\{[^}]*\\}")).isEqualTo(1.0);
      assertThat(value(metrics, "lumina_worker_steps_total\\{[^}]*\\}")).isEqualTo(1.0);
      assertThat(value(metrics, "lumina_worker_busy_seconds_total\\{[^}]*\\}")).isPositive();
      assertThat(value(metrics, "lumina_worker_busy_fraction\\{[^}]*\\}")).isBetween(0.0, 1.0);
      assertThat(value(metrics, "lumina_worker_batch_size_count\\{[^}]*\\}")).isEqualTo(1.0);
      assertThat(value(metrics, "lumina_worker_engine_bytes\\{[^}]*\\}")).isPositive();
      // One job, started once.
      assertThat(value(metrics, "lumina_worker_redeliveries_total\\{[^}]*\\}")).isEqualTo(0.0);
      assertThat(
              value(
                  metrics, "lumina_scheduler_placements_total\\{topic=\"lumina.work.image.s\"\\}"))
          .isEqualTo(1.0);
      assertThat(
              value(
                  metrics,
                  "lumina_scheduler_queued_token_seconds\\{topic=\"lumina.work.image.s\"\\}"))
          .isGreaterThanOrEqualTo(0.0);
      assertThat(value(metrics, "lumina_scheduler_held_jobs\\{topic=\"lumina.work.video.m\"\\}"))
          .isZero();
      assertThat(value(metrics, "lumina_scheduler_transaction_seconds_count"))
          .isGreaterThanOrEqualTo(1.0);
      assertThat(value(metrics, "jvm_memory_used_bytes\\{[^}]*\\}")).isPositive();
      // The Kafka clients' own metrics, through Micrometer's binder.
      assertThat(metrics).containsPattern("(?m)^kafka_producer_[a-z_]+\\{[^}]*\\} ");
      assertThat(metrics).containsPattern("(?m)^kafka_consumer_[a-z_]+\\{[^}]*\\} ");
      assertThat(
              value(metrics, "lumina_gateway_requests_total\\{rpc=\"Generate\",status=\"OK\"\\}"))
          .isEqualTo(1.0);
      assertThat(
              value(
                  metrics, "lumina_gateway_accepted_jobs_total\\{modality=\"image\",tier=\"s\"\\}"))
          .isEqualTo(1.0);
      assertThat(value(metrics, "lumina_gateway_time_to_accepted_seconds_count")).isEqualTo(1.0);
      assertThat(value(metrics, "lumina_gateway_open_streams")).isZero();
      assertThat(value(metrics, "lumina_gateway_chunk_bytes_total")).isPositive();
      assertThat(
              value(
                  metrics,
                  "lumina_gateway_refused_total\\{status=\"INVALID_ARGUMENT\",tenant=\"default\"\\}"))
          .isEqualTo(1.0);
      assertThat(get(http, port, "/healthz").statusCode()).isEqualTo(200);
      HttpResponse<String> ready = get(http, port, "/readyz");
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    }
  }

  private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The value of the first sample whose name and labels match {@code series}. */
  private static double value(String scrape, String series) {
    Matcher m = Pattern.compile("(?m)^" + series + " ([-+0-9.eE]+|NaN)$").matcher(scrape);
    assertThat(m.find()).as("series " + series + " in\n" + scrape).isTrue();
    return Double.parseDouble(m.group(1));
  }
}

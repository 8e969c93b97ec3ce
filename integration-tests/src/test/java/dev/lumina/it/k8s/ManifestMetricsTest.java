package dev.lumina.it.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lumina.deploy.bench.BenchModelDir;
import dev.lumina.deploy.client.GenerateClient;
import dev.lumina.deploy.cluster.ClusterSettings;
import dev.lumina.deploy.cluster.EmbeddedCluster;
import dev.lumina.proto.v1.GenerateRequest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metric a KEDA query or the Grafana dashboard reads is one the code exports: the embedded
 * cluster runs one job with its management port on, and each name (histograms by their {@code
 * _bucket}/{@code _sum}/{@code _count} series) and each label a query selects on is in the scrape;
 * each pool's topic pattern matches work topics the scheduler reports.
 */
class ManifestMetricsTest {
  private static final Pattern METRIC =
      Pattern.compile("\\b((?:lumina|jvm|process)_[a-z0-9_]+)\\b(\\{[^}]*\\})?");
  private static final Pattern LABEL = Pattern.compile("([a-z_]+)\\s*(=~|!=|!~|=)\\s*\"([^\"]*)\"");
  private static final Pattern BY = Pattern.compile("\\bby\\s*\\(([^)]*)\\)");

  /** Labels Prometheus adds from the scrape target. */
  private static final Set<String> TARGET_LABELS =
      Set.of("pod", "namespace", "instance", "job", "container");

  @TempDir Path tmp;

  @Test
  void everyQueriedMetricIsExported() throws Exception {
    Map<String, String> queries = new TreeMap<>();
    for (String overlay : Manifests.OVERLAYS) {
      for (ObjectNode so :
          Manifests.ofKind(Kustomize.render(Manifests.overlay(overlay)), "ScaledObject")) {
        for (JsonNode t : so.path("spec").path("triggers")) {
          queries.put(overlay + " " + Manifests.id(so), t.path("metadata").path("query").asText());
        }
      }
    }
    int expr = 0;
    for (Path json : Manifests.files(".json")) {
      for (JsonNode panel : Manifests.JSON.readTree(json.toFile()).path("panels")) {
        for (JsonNode t : panel.path("targets")) {
          queries.put(
              "dashboard " + panel.path("title").asText() + " " + t.path("refId").asText(),
              t.path("expr").asText());
          expr++;
        }
      }
    }
    assertThat(expr).isGreaterThanOrEqualTo(10);
    String scrape = scrapeAfterOneJob();
    Map<String, List<String>> series = new TreeMap<>();
    for (String line : scrape.split("\n")) {
      if (!line.isEmpty() && !line.startsWith("#")) {
        String name = line.split("[{ ]", 2)[0];
        series.computeIfAbsent(name, k -> new ArrayList<>()).add(line);
      }
    }
    Set<String> used = new TreeSet<>();
    for (var q : queries.entrySet()) {
      String where = q.getKey() + ": " + q.getValue();
      assertThat(q.getValue()).as(where).doesNotContain("lumina_gateway_");
      Matcher m = METRIC.matcher(q.getValue());
      int found = 0;
      while (m.find()) {
        String name = m.group(1);
        used.add(name);
        found++;
        assertThat(series).as(where + " reads " + name).containsKey(name);
        List<String> samples = series.get(name);
        if (m.group(2) != null) {
          Matcher l = LABEL.matcher(m.group(2));
          while (l.find()) {
            String label = l.group(1);
            assertThat(samples)
                .as(where + " label " + label + " of " + name)
                .anyMatch(s -> s.contains(label + "=\""));
            if (l.group(2).equals("=~")) {
              Pattern p = Pattern.compile(l.group(3));
              assertThat(samples)
                  .as(where + " " + label + "=~" + l.group(3) + " matches a series")
                  .anyMatch(
                      s ->
                          labelValue(s, label) != null
                              && p.matcher(labelValue(s, label)).matches());
            }
          }
        }
        Matcher by = BY.matcher(q.getValue());
        while (by.find()) {
          for (String label : by.group(1).split(",")) {
            String l = label.trim();
            if (!TARGET_LABELS.contains(l)) {
              assertThat(
                      series.keySet().stream()
                          .filter(k -> q.getValue().contains(k))
                          .flatMap(k -> series.get(k).stream()))
                  .as(where + " by (" + l + ")")
                  .anyMatch(s -> s.contains(l + "=\""));
            }
          }
        }
      }
      assertThat(found).as(where + " reads a metric").isPositive();
    }
    System.out.printf(
        "%d queries read %d exported series: %s%n", queries.size(), used.size(), used);
  }

  private static String labelValue(String sample, String label) {
    Matcher m = Pattern.compile("[{,]" + label + "=\"([^\"]*)\"").matcher(sample);
    return m.find() ? m.group(1) : null;
  }

  private String scrapeAfterOneJob() throws Exception {
    Path model = BenchModelDir.write(tmp.resolve("model"));
    ClusterSettings settings =
        ClusterSettings.ephemeral(model, tmp.resolve("data"), "it-k8s-metrics").withMetricsPort(0);
    try (EmbeddedCluster cluster =
        EmbeddedCluster.start(settings, new PrintWriter(new StringWriter(), true))) {
      GenerateClient client =
          new GenerateClient(
              "it", new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
      String server = "127.0.0.1:" + cluster.gatewayPort();
      GenerateRequest job = GenerateRequest.newBuilder().setPrompt("a red square").build();
      assertThat(client.generate(server, null, 60, job, tmp.resolve("out"), false).exitCode())
          .isZero();
      // A job that may wait 1 ms in the queue expires there: the drop counters appear.
      GenerateRequest expiring = job.toBuilder().setMaxQueueMs(1).build();
      assertThat(client.generate(server, null, 60, expiring, tmp.resolve("out2"), false).exitCode())
          .isEqualTo(1);
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:"
                                  + cluster.metricsPort().orElseThrow()
                                  + "/metrics"))
                      .GET()
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      return r.body();
    }
  }
}

package dev.lumina.it.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java renderer agrees with Kustomize itself where {@code kubectl} is installed (skipped
 * elsewhere): same resources, same content, up to the order of named list elements.
 */
class KustomizeRenderTest {
  @TempDir Path tmp;

  @Test
  void theJavaRenderMatchesKubectlKustomize() throws Exception {
    assumeTrue(kubectl() != null, "kubectl not installed");
    for (String overlay : Manifests.OVERLAYS) {
      Path out = tmp.resolve(overlay + ".yaml");
      Process p =
          new ProcessBuilder(kubectl(), "kustomize", Manifests.overlay(overlay).toString())
              .redirectOutput(out.toFile())
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as("kubectl kustomize " + overlay).isZero();
      Map<String, JsonNode> theirs = byId(Manifests.read(out));
      Map<String, JsonNode> ours = byId(Kustomize.render(Manifests.overlay(overlay)));
      assertThat(ours.keySet()).as(overlay).isEqualTo(theirs.keySet());
      for (String id : ours.keySet()) {
        assertThat(normal(ours.get(id)).toString())
            .as(overlay + " " + id)
            .isEqualTo(normal(theirs.get(id)).toString());
      }
      System.out.printf(
          "overlay %s: %d resources as kubectl kustomize renders them%n", overlay, ours.size());
    }
  }

  private static String kubectl() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path k = Path.of(dir, "kubectl");
      if (!dir.isEmpty() && Files.isExecutable(k)) {
        return k.toString();
      }
    }
    return null;
  }

  private static Map<String, JsonNode> byId(List<ObjectNode> resources) {
    Map<String, JsonNode> out = new TreeMap<>();
    resources.forEach(r -> out.put(Manifests.id(r), r));
    return out;
  }

  /** A copy with object keys sorted, lists of named objects sorted by name, scalars as text. */
  private static JsonNode normal(JsonNode n) {
    if (n.isObject()) {
      ObjectNode o = Manifests.JSON.createObjectNode();
      new TreeMap<String, JsonNode>(toMap(n)).forEach((k, v) -> o.set(k, normal(v)));
      return o;
    }
    if (n.isArray()) {
      List<JsonNode> items = new ArrayList<>();
      n.forEach(i -> items.add(normal(i)));
      if (items.stream().allMatch(i -> i.isObject() && i.has("name"))) {
        items.sort(Comparator.comparing(i -> i.path("name").asText()));
      }
      ArrayNode a = Manifests.JSON.createArrayNode();
      items.forEach(a::add);
      return a;
    }
    return Manifests.JSON.getNodeFactory().textNode(n.asText());
  }

  private static Map<String, JsonNode> toMap(JsonNode n) {
    Map<String, JsonNode> m = new TreeMap<>();
    n.properties().forEach(e -> m.put(e.getKey(), e.getValue()));
    return m;
  }
}

package dev.lumina.it.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The Kubernetes manifests under {@code deploy/k8s} and the files beside them, as JSON trees. */
final class Manifests {
  static final ObjectMapper YAML = new YAMLMapper();
  static final ObjectMapper JSON = new ObjectMapper();

  /** fabric8 8's models are read with Jackson 3, the version they are built for. */
  private static final tools.jackson.databind.ObjectMapper TYPED =
      tools.jackson.databind.json.JsonMapper.builder().build();

  /** The overlays a user applies; {@code shard-groups} needs flags that do not exist yet. */
  static final List<String> OVERLAYS = List.of("dev", "gpu", "shard-groups");

  /** Annotation listing flags a manifest passes that the launcher may not parse yet. */
  static final String FLAGS_PENDING = "lumina.dev/flags-pending";

  /** The image every Lumina container runs. */
  static final String IMAGE = "lumina-serve";

  private Manifests() {}

  /** The repository root: the parent of the module directory surefire runs in. */
  static Path repo() {
    Path here = Path.of("").toAbsolutePath();
    for (Path p = here; p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("deploy/k8s"))) {
        return p;
      }
    }
    throw new IllegalStateException("no deploy/k8s above " + here);
  }

  static Path k8s() {
    return repo().resolve("deploy/k8s");
  }

  static Path overlay(String name) {
    return k8s().resolve("overlays").resolve(name);
  }

  /** Every file under deploy/k8s with the given suffix, sorted. */
  static List<Path> files(String suffix) {
    try (Stream<Path> s = Files.walk(k8s())) {
      return s.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The non-empty YAML documents of {@code file}, each an object. */
  static List<ObjectNode> read(Path file) {
    try (var parser = new YAMLFactory().createParser(file.toFile())) {
      List<ObjectNode> docs = new ArrayList<>();
      for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
        JsonNode doc = it.next();
        if (doc == null || doc.isNull() || doc.isMissingNode()) {
          continue;
        }
        if (!doc.isObject()) {
          throw new IllegalArgumentException(file + ": a document is not a mapping: " + doc);
        }
        docs.add((ObjectNode) doc);
      }
      return docs;
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
  }

  /** {@code tree} as fabric8's typed model {@code type}. */
  static <T> T typed(JsonNode tree, Class<T> type) {
    return TYPED.readValue(tree.toString(), type);
  }

  static String kind(JsonNode r) {
    return r.path("kind").asText();
  }

  static String name(JsonNode r) {
    return r.path("metadata").path("name").asText();
  }

  static String id(JsonNode r) {
    return kind(r) + "/" + name(r);
  }

  /** The resources of {@code kind} in {@code resources}. */
  static List<ObjectNode> ofKind(List<ObjectNode> resources, String kind) {
    return resources.stream().filter(r -> kind.equals(kind(r))).toList();
  }

  /** The one resource {@code kind/name}, or null. */
  static ObjectNode find(List<ObjectNode> resources, String kind, String name) {
    return resources.stream()
        .filter(r -> kind.equals(kind(r)) && name.equals(name(r)))
        .findFirst()
        .orElse(null);
  }

  /** A pod template of a workload, with where it came from. */
  record PodTemplate(ObjectNode owner, String role, JsonNode template) {
    JsonNode labels() {
      return template.path("metadata").path("labels");
    }

    JsonNode spec() {
      return template.path("spec");
    }

    String where() {
      return id(owner) + (role.isEmpty() ? "" : " " + role);
    }
  }

  /** The pod templates of Deployments, StatefulSets and LeaderWorkerSets (leader and workers). */
  static List<PodTemplate> podTemplates(List<ObjectNode> resources) {
    List<PodTemplate> out = new ArrayList<>();
    for (ObjectNode r : resources) {
      switch (kind(r)) {
        case "Deployment", "StatefulSet" ->
            out.add(new PodTemplate(r, "", r.path("spec").path("template")));
        case "LeaderWorkerSet" -> {
          JsonNode lwt = r.path("spec").path("leaderWorkerTemplate");
          if (!lwt.path("leaderTemplate").isMissingNode()) {
            out.add(new PodTemplate(r, "leader", lwt.path("leaderTemplate")));
          }
          out.add(new PodTemplate(r, "worker", lwt.path("workerTemplate")));
        }
        default -> {}
      }
    }
    return out;
  }

  /** True when every key of {@code selector} has the same value in {@code labels}. */
  static boolean selects(JsonNode selector, JsonNode labels) {
    if (selector == null || !selector.isObject() || selector.isEmpty()) {
      return false;
    }
    for (var e : selector.properties()) {
      if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
        return false;
      }
    }
    return true;
  }
}

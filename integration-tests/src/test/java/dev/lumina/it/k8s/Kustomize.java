package dev.lumina.it.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Renders a Kustomize directory in Java, for the subset deploy/k8s uses: {@code resources} (files
 * and directories), {@code namespace}, {@code patches} (strategic merge from a file, JSON 6902
 * inline, optionally with a {@code target} of kind and name), {@code configMapGenerator} (files,
 * without name suffix) and {@code images}. Any other field fails the render, so a kustomization
 * never uses something this check silently ignores.
 */
final class Kustomize {
  private static final Set<String> FIELDS =
      Set.of(
          "apiVersion",
          "kind",
          "namespace",
          "resources",
          "patches",
          "configMapGenerator",
          "images");
  private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace");

  /** Lists merged element by element, with the key that identifies an element. */
  private static final Map<String, String> MERGE_KEYS =
      Map.of(
          "containers", "name",
          "initContainers", "name",
          "env", "name",
          "volumes", "name",
          "volumeMounts", "mountPath");

  private Kustomize() {}

  /** The resources {@code dir}'s kustomization.yaml produces, in order. */
  static List<ObjectNode> render(Path dir) {
    ObjectNode k = Manifests.read(dir.resolve("kustomization.yaml")).get(0);
    for (var it = k.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) {
        throw new IllegalArgumentException(dir + ": kustomization field not rendered here: " + f);
      }
    }
    List<ObjectNode> out = new ArrayList<>();
    for (JsonNode r : k.path("resources")) {
      Path p = dir.resolve(r.asText()).normalize();
      if (Files.isDirectory(p)) {
        out.addAll(render(p));
      } else {
        out.addAll(Manifests.read(p));
      }
    }
    for (JsonNode g : k.path("configMapGenerator")) {
      out.add(generate(dir, g));
    }
    for (JsonNode p : k.path("patches")) {
      patch(dir, out, p);
    }
    for (JsonNode image : k.path("images")) {
      retag(out, image);
    }
    if (k.hasNonNull("namespace")) {
      for (ObjectNode r : out) {
        if (!CLUSTER_SCOPED.contains(Manifests.kind(r))) {
          ((ObjectNode) r.path("metadata")).put("namespace", k.get("namespace").asText());
        }
      }
    }
    return out;
  }

  private static ObjectNode generate(Path dir, JsonNode g) {
    if (!g.path("options").path("disableNameSuffixHash").asBoolean(false)) {
      throw new IllegalArgumentException(dir + ": configMapGenerator needs disableNameSuffixHash");
    }
    ObjectNode cm = Manifests.JSON.createObjectNode();
    cm.put("apiVersion", "v1").put("kind", "ConfigMap");
    ObjectNode meta = cm.putObject("metadata");
    meta.put("name", g.path("name").asText());
    if (g.path("options").has("labels")) {
      meta.set("labels", g.path("options").path("labels").deepCopy());
    }
    ObjectNode data = cm.putObject("data");
    for (JsonNode f : g.path("files")) {
      Path file = dir.resolve(f.asText());
      try {
        data.put(file.getFileName().toString(), Files.readString(file));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return cm;
  }

  private static void patch(Path dir, List<ObjectNode> resources, JsonNode p) {
    JsonNode target = p.path("target");
    if (p.has("path")) {
      for (ObjectNode smp : Manifests.read(dir.resolve(p.get("path").asText()))) {
        ObjectNode r = Manifests.find(resources, Manifests.kind(smp), Manifests.name(smp));
        if (r == null) {
          throw new IllegalArgumentException(dir + ": patch for a missing " + Manifests.id(smp));
        }
        if ("delete".equals(smp.path("$patch").asText())) {
          resources.remove(r);
        } else {
          merge(r, smp);
        }
      }
      return;
    }
    JsonNode ops = read(p.path("patch").asText());
    Pattern name = Pattern.compile(target.path("name").asText(".*"));
    List<ObjectNode> hit =
        resources.stream()
            .filter(
                r ->
                    !target.has("kind")
                        || target.get("kind").asText().equals(r.path("kind").asText()))
            .filter(r -> name.matcher(Manifests.name(r)).matches())
            .toList();
    if (hit.isEmpty()) {
      throw new IllegalArgumentException(dir + ": patch target matches nothing: " + target);
    }
    if (!ops.isArray()) {
      hit.forEach(r -> merge(r, (ObjectNode) ops));
      return;
    }
    for (ObjectNode r : hit) {
      for (JsonNode op : ops) {
        json6902(r, op);
      }
    }
  }

  private static JsonNode read(String yaml) {
    try {
      return Manifests.YAML.readTree(yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Strategic merge of {@code patch} into {@code target}: maps merge key by key, a null value
   * removes the key, lists of containers, env and volumes merge by {@code name} and mounts by
   * {@code mountPath} (an element with {@code $patch: delete} removes its namesake), every other
   * list is replaced.
   */
  static void merge(ObjectNode target, ObjectNode patch) {
    for (var e : patch.properties()) {
      String key = e.getKey();
      JsonNode value = e.getValue();
      JsonNode current = target.get(key);
      if (value.isNull()) {
        target.remove(key);
      } else if (value.isObject() && current != null && current.isObject()) {
        merge((ObjectNode) current, (ObjectNode) value);
      } else if (value.isArray()
          && current != null
          && current.isArray()
          && MERGE_KEYS.containsKey(key)) {
        mergeByKey((ArrayNode) current, (ArrayNode) value, MERGE_KEYS.get(key));
      } else {
        target.set(key, value.deepCopy());
      }
    }
  }

  private static void mergeByKey(ArrayNode current, ArrayNode patch, String key) {
    for (JsonNode p : patch) {
      String name = p.path(key).asText();
      int at = -1;
      for (int i = 0; i < current.size(); i++) {
        if (name.equals(current.get(i).path(key).asText())) {
          at = i;
        }
      }
      boolean delete = "delete".equals(p.path("$patch").asText());
      if (delete && at >= 0) {
        current.remove(at);
      } else if (delete) {
        throw new IllegalArgumentException("$patch: delete of a missing element " + name);
      } else if (at >= 0) {
        merge((ObjectNode) current.get(at), (ObjectNode) p);
      } else {
        current.add(p.deepCopy());
      }
    }
  }

  /** One JSON 6902 operation (add, replace, remove) on {@code r}. */
  static void json6902(ObjectNode r, JsonNode op) {
    String path = op.path("path").asText();
    int slash = path.lastIndexOf('/');
    JsonNode parent = r.at(path.substring(0, slash));
    String last = path.substring(slash + 1).replace("~1", "/").replace("~0", "~");
    String kind = op.path("op").asText();
    if (parent.isMissingNode()) {
      throw new IllegalArgumentException(Manifests.id(r) + ": no parent for " + path);
    }
    if (parent.isObject()) {
      ObjectNode o = (ObjectNode) parent;
      if (!kind.equals("add") && !o.has(last)) {
        throw new IllegalArgumentException(Manifests.id(r) + ": " + kind + " of missing " + path);
      }
      switch (kind) {
        case "add", "replace" -> o.set(last, op.get("value").deepCopy());
        case "remove" -> o.remove(last);
        default -> throw new IllegalArgumentException("JSON 6902 op not rendered here: " + kind);
      }
      return;
    }
    ArrayNode a = (ArrayNode) parent;
    int i = last.equals("-") ? a.size() : Integer.parseInt(last);
    switch (kind) {
      case "add" -> a.insert(i, op.get("value").deepCopy());
      case "replace" -> a.set(i, op.get("value").deepCopy());
      case "remove" -> a.remove(i);
      default -> throw new IllegalArgumentException("JSON 6902 op not rendered here: " + kind);
    }
  }

  private static void retag(List<ObjectNode> resources, JsonNode image) {
    String name = image.path("name").asText();
    for (Manifests.PodTemplate t : Manifests.podTemplates(resources)) {
      for (String list : List.of("containers", "initContainers")) {
        for (JsonNode c : t.spec().path(list)) {
          String ref = c.path("image").asText();
          String bare = ref.replaceFirst("[:@].*$", "");
          if (bare.equals(name)) {
            String newName = image.path("newName").asText(name);
            String tag = image.has("newTag") ? ":" + image.get("newTag").asText() : "";
            ((ObjectNode) c).put("image", newName + tag);
          }
        }
      }
    }
  }
}

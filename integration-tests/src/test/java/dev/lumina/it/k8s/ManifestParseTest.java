package dev.lumina.it.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every file under deploy/k8s parses; core kinds parse into fabric8's typed models with no field
 * the model does not know (a typo would land in additionalProperties); custom resources (KEDA,
 * LeaderWorkerSet, Strimzi, Prometheus Operator) have the fields their documentation requires.
 */
class ManifestParseTest {
  /** Core kinds: their apiVersion and typed model. */
  private static final Map<String, Map.Entry<String, Class<?>>> CORE =
      Map.of(
          "Deployment", Map.entry("apps/v1", Deployment.class),
          "StatefulSet", Map.entry("apps/v1", StatefulSet.class),
          "Service", Map.entry("v1", Service.class),
          "ConfigMap", Map.entry("v1", ConfigMap.class),
          "Namespace", Map.entry("v1", Namespace.class),
          "PersistentVolumeClaim", Map.entry("v1", PersistentVolumeClaim.class),
          "PodDisruptionBudget", Map.entry("policy/v1", PodDisruptionBudget.class),
          "HorizontalPodAutoscaler", Map.entry("autoscaling/v2", HorizontalPodAutoscaler.class));

  private static final Map<String, String> CRD =
      Map.of(
          "ScaledObject", "keda.sh/v1alpha1",
          "LeaderWorkerSet", "leaderworkerset.x-k8s.io/v1",
          "Kafka", "kafka.strimzi.io/v1beta2",
          "KafkaNodePool", "kafka.strimzi.io/v1beta2",
          "KafkaTopic", "kafka.strimzi.io/v1beta2",
          "PodMonitor", "monitoring.coreos.com/v1");

  @Test
  void everyManifestParsesIntoItsModel() throws Exception {
    List<Path> files = Manifests.files(".yaml");
    assertThat(files).hasSizeGreaterThanOrEqualTo(20);
    int core = 0;
    int crd = 0;
    for (Path f : files) {
      boolean kustomization = f.getFileName().toString().equals("kustomization.yaml");
      boolean patch = f.startsWith(Manifests.k8s().resolve("overlays/dev"));
      for (ObjectNode doc : Manifests.read(f)) {
        String kind = Manifests.kind(doc);
        String where = f + " " + Manifests.id(doc);
        if (kustomization) {
          assertThat(kind).as(where).isEqualTo("Kustomization");
        } else if (CORE.containsKey(kind)) {
          assertThat(Manifests.name(doc)).as(where + " metadata.name").isNotEmpty();
          assertThat(doc.path("apiVersion").asText()).as(where).isEqualTo(CORE.get(kind).getKey());
          if (!patch) {
            Object typed = Manifests.typed(doc, CORE.get(kind).getValue());
            assertThat(unknownFields(typed, kind)).as(where + " unknown fields").isEmpty();
            core++;
          }
        } else {
          assertThat(CRD).as(where + " kind").containsKey(kind);
          assertThat(Manifests.name(doc)).as(where + " metadata.name").isNotEmpty();
          assertThat(doc.path("apiVersion").asText()).as(where).isEqualTo(CRD.get(kind));
          if (!patch) {
            checkCustomResource(where, doc);
            crd++;
          }
        }
      }
    }
    assertThat(core).isGreaterThanOrEqualTo(15);
    assertThat(crd).isGreaterThanOrEqualTo(28);
    System.out.printf(
        "deploy/k8s: %d files, %d core and %d custom resources parsed%n", files.size(), core, crd);
    for (Path json : Manifests.files(".json")) {
      assertThat(Manifests.JSON.readTree(json.toFile()).path("panels").size())
          .as(json.toString())
          .isPositive();
    }
  }

  @Test
  void overlayPatchesApplyToTheirTypedModels() throws Exception {
    for (String overlay : Manifests.OVERLAYS) {
      for (ObjectNode r : Kustomize.render(Manifests.overlay(overlay))) {
        var core = CORE.get(Manifests.kind(r));
        if (core != null) {
          Object typed = Manifests.typed(r, core.getValue());
          assertThat(unknownFields(typed, Manifests.kind(r)))
              .as(overlay + " " + Manifests.id(r))
              .isEmpty();
        }
      }
    }
  }

  static void checkCustomResource(String where, JsonNode doc) throws Exception {
    JsonNode spec = doc.path("spec");
    switch (Manifests.kind(doc)) {
      case "ScaledObject" -> {
        assertThat(spec.path("scaleTargetRef").path("name").asText()).as(where).isNotEmpty();
        int min = spec.path("minReplicaCount").asInt(0);
        assertThat(spec.path("maxReplicaCount").asInt(100))
            .as(where)
            .isGreaterThanOrEqualTo(Math.max(min, 1));
        assertThat(spec.path("cooldownPeriod").isInt()).as(where + " cooldownPeriod").isTrue();
        assertThat(spec.path("triggers").size()).as(where + " triggers").isPositive();
        for (JsonNode t : spec.path("triggers")) {
          assertThat(t.path("type").asText()).as(where).isEqualTo("prometheus");
          JsonNode m = t.path("metadata");
          assertThat(m.path("serverAddress").asText()).as(where).startsWith("http");
          assertThat(m.path("query").asText())
              .as(where)
              .contains("lumina_scheduler_queued_token_seconds");
          assertThat(m.path("threshold").isTextual()).as(where + " threshold is a string").isTrue();
          assertThat(Double.parseDouble(m.path("threshold").asText())).as(where).isPositive();
          Double.parseDouble(m.path("activationThreshold").asText("0"));
        }
      }
      case "LeaderWorkerSet" -> {
        JsonNode lwt = spec.path("leaderWorkerTemplate");
        assertThat(lwt.path("size").asInt()).as(where + " size").isGreaterThan(1);
        assertThat(lwt.path("restartPolicy").asText())
            .as(where)
            .isEqualTo("RecreateGroupOnPodRestart");
        for (String t : List.of("leaderTemplate", "workerTemplate")) {
          PodTemplateSpec pod = Manifests.typed(lwt.path(t), PodTemplateSpec.class);
          assertThat(pod.getSpec().getContainers()).as(where + " " + t).isNotEmpty();
          assertThat(unknownFields(pod, t)).as(where + " " + t).isEmpty();
        }
      }
      case "Kafka" -> {
        assertThat(doc.path("metadata").path("annotations").path("strimzi.io/node-pools").asText())
            .as(where)
            .isEqualTo("enabled");
        assertThat(doc.path("metadata").path("annotations").path("strimzi.io/kraft").asText())
            .as(where)
            .isEqualTo("enabled");
        assertThat(spec.path("kafka").path("version").asText())
            .as(where)
            .matches("\\d+\\.\\d+\\.\\d+");
        assertThat(spec.path("kafka").path("listeners").size()).as(where).isPositive();
        for (JsonNode l : spec.path("kafka").path("listeners")) {
          assertThat(l.path("name").asText()).as(where).matches("[a-z0-9]{1,11}");
          assertThat(l.path("port").asInt()).as(where).isGreaterThan(9091);
          assertThat(l.path("type").asText())
              .as(where)
              .isIn("internal", "route", "loadbalancer", "nodeport", "ingress", "cluster-ip");
          assertThat(l.path("tls").isBoolean()).as(where + " tls").isTrue();
        }
        assertThat(spec.path("kafka").has("replicas"))
            .as(where + " replicas live in node pools")
            .isFalse();
      }
      case "KafkaNodePool" -> {
        assertThat(doc.path("metadata").path("labels").path("strimzi.io/cluster").asText())
            .as(where)
            .isNotEmpty();
        assertThat(spec.path("replicas").asInt()).as(where).isPositive();
        assertThat(spec.path("roles").size()).as(where).isPositive();
        spec.path("roles")
            .forEach(r -> assertThat(r.asText()).as(where).isIn("controller", "broker"));
        assertThat(spec.path("storage").path("type").asText())
            .as(where)
            .isIn("jbod", "persistent-claim", "ephemeral");
      }
      case "KafkaTopic" -> {
        assertThat(doc.path("metadata").path("labels").path("strimzi.io/cluster").asText())
            .as(where)
            .isNotEmpty();
        assertThat(spec.path("topicName").asText()).as(where).startsWith("lumina.");
        assertThat(spec.path("partitions").asInt()).as(where).isPositive();
        assertThat(spec.path("replicas").asInt()).as(where).isPositive();
      }
      case "PodMonitor" -> {
        assertThat(spec.path("selector").path("matchLabels").size()).as(where).isPositive();
        assertThat(spec.path("podMetricsEndpoints").size()).as(where).isPositive();
        spec.path("podMetricsEndpoints")
            .forEach(e -> assertThat(e.path("port").asText()).as(where).isNotEmpty());
      }
      default -> throw new AssertionError(where + ": unchecked kind");
    }
  }

  /** Paths of fabric8 model objects under {@code o} holding fields their model does not know. */
  static List<String> unknownFields(Object o, String path) throws Exception {
    List<String> out = new ArrayList<>();
    walk(o, path, out);
    return out;
  }

  private static final Set<String> SKIPPED = Set.of("getClass", "getAdditionalProperties");

  private static void walk(Object o, String path, List<String> out) throws Exception {
    if (o == null) {
      return;
    }
    if (o instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        walk(list.get(i), path + "[" + i + "]", out);
      }
      return;
    }
    if (o instanceof Map<?, ?> map) {
      for (var e : map.entrySet()) {
        walk(e.getValue(), path + "." + e.getKey(), out);
      }
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    try {
      Object extra = o.getClass().getMethod("getAdditionalProperties").invoke(o);
      if (extra instanceof Map<?, ?> m && !m.isEmpty()) {
        out.add(path + " " + m.keySet());
      }
    } catch (NoSuchMethodException e) {
      // Not a model object with open fields (e.g. an enum).
    }
    for (Method m : o.getClass().getMethods()) {
      if (m.getParameterCount() == 0
          && m.getName().startsWith("get")
          && !SKIPPED.contains(m.getName())
          && !Modifier.isStatic(m.getModifiers())
          && !m.getReturnType().isPrimitive()) {
        walk(m.invoke(o), path + "." + m.getName().substring(3), out);
      }
    }
  }
}

package dev.lumina.it.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lumina.proto.Tiers;
import dev.lumina.proto.Topics;
import dev.lumina.proto.kafka.ClusterTopics;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each overlay rendered in Java: names are unique, and what refers to something finds it: Service
 * selectors and PDBs select pods, named ports and probe ports exist on the pods, autoscalers target
 * existing workloads, ConfigMaps and PVCs exist, Kafka topics cover every topic the roles use, and
 * the rules that keep jobs safe (drain fits the grace period, unique scheduler ids, gateways
 * advertising their own pod) hold.
 */
class OverlayReferencesTest {

  @ParameterizedTest
  @ValueSource(strings = {"dev", "gpu", "shard-groups"})
  void referencesResolve(String overlay) {
    List<ObjectNode> rs = Kustomize.render(Manifests.overlay(overlay));
    Set<String> ids = new HashSet<>();
    rs.forEach(
        r ->
            assertThat(ids.add(Manifests.id(r)))
                .as(overlay + " duplicate " + Manifests.id(r))
                .isTrue());
    List<Manifests.PodTemplate> pods = Manifests.podTemplates(rs);
    int checks = 0;
    for (Manifests.PodTemplate t : pods) {
      checks += checkPod(overlay, rs, t);
    }
    for (ObjectNode s : Manifests.ofKind(rs, "Service")) {
      List<Manifests.PodTemplate> selected =
          pods.stream()
              .filter(t -> Manifests.selects(s.path("spec").path("selector"), t.labels()))
              .toList();
      assertThat(selected).as(overlay + " " + Manifests.id(s) + " selects pods").isNotEmpty();
      for (JsonNode port : s.path("spec").path("ports")) {
        JsonNode target = port.path("targetPort");
        for (Manifests.PodTemplate t : selected) {
          assertThat(containerPorts(t))
              .as(overlay + " " + Manifests.id(s) + " targetPort " + target + " on " + t.where())
              .contains(target.asText());
        }
        checks++;
      }
    }
    for (ObjectNode pdb : Manifests.ofKind(rs, "PodDisruptionBudget")) {
      JsonNode sel = pdb.path("spec").path("selector").path("matchLabels");
      assertThat(pods)
          .as(overlay + " " + Manifests.id(pdb))
          .anyMatch(t -> Manifests.selects(sel, t.labels()));
      checks++;
    }
    for (ObjectNode w : rs) {
      if (Set.of("Deployment", "StatefulSet").contains(Manifests.kind(w))) {
        assertThat(
                Manifests.selects(
                    w.path("spec").path("selector").path("matchLabels"),
                    w.path("spec").path("template").path("metadata").path("labels")))
            .as(overlay + " " + Manifests.id(w) + " selector matches its template")
            .isTrue();
      }
    }
    for (ObjectNode a : Manifests.ofKind(rs, "ScaledObject")) {
      JsonNode ref = a.path("spec").path("scaleTargetRef");
      String kind = ref.path("kind").asText("Deployment");
      assertThat(Manifests.find(rs, kind, ref.path("name").asText()))
          .as(overlay + " " + Manifests.id(a) + " target")
          .isNotNull();
      assertThat(a.path("spec").path("maxReplicaCount").asInt())
          .as(overlay + " " + Manifests.id(a) + " within work partitions")
          .isLessThanOrEqualTo(12);
      checks++;
    }
    for (ObjectNode h : Manifests.ofKind(rs, "HorizontalPodAutoscaler")) {
      JsonNode ref = h.path("spec").path("scaleTargetRef");
      assertThat(Manifests.find(rs, ref.path("kind").asText(), ref.path("name").asText()))
          .as(overlay + " " + Manifests.id(h))
          .isNotNull();
      assertThat(h.path("spec").path("minReplicas").asInt())
          .as(overlay + " gateways")
          .isGreaterThanOrEqualTo(2);
      checks++;
    }
    checks += checkKafka(overlay, rs);
    System.out.printf(
        "overlay %s: %d resources, %d references checked%n", overlay, rs.size(), checks);
  }

  private static int checkPod(String overlay, List<ObjectNode> rs, Manifests.PodTemplate t) {
    String where = overlay + " " + t.where();
    int checks = 0;
    Set<String> ports = containerPorts(t);
    Set<String> volumes = new HashSet<>();
    for (JsonNode v : t.spec().path("volumes")) {
      volumes.add(v.path("name").asText());
      if (v.has("persistentVolumeClaim")) {
        assertThat(
                Manifests.find(
                    rs,
                    "PersistentVolumeClaim",
                    v.path("persistentVolumeClaim").path("claimName").asText()))
            .as(where + " PVC")
            .isNotNull();
        checks++;
      }
    }
    for (JsonNode c : t.spec().path("containers")) {
      for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
        JsonNode get = c.path(probe).path("httpGet");
        if (!get.isMissingNode()) {
          assertThat(ports).as(where + " " + probe + " port").contains(get.path("port").asText());
          assertThat(get.path("path").asText()).as(where + " " + probe).isIn("/healthz", "/readyz");
          checks++;
        }
      }
      assertThat(c.has("readinessProbe") || !t.role().equals("")).as(where + " readiness").isTrue();
      assertThat(c.has("livenessProbe")).as(where + " liveness").isTrue();
      for (JsonNode m : c.path("volumeMounts")) {
        assertThat(volumes).as(where + " mount").contains(m.path("name").asText());
        checks++;
      }
      for (JsonNode e : c.path("env")) {
        JsonNode ref = e.path("valueFrom").path("configMapKeyRef");
        if (!ref.isMissingNode()) {
          ObjectNode cm = Manifests.find(rs, "ConfigMap", ref.path("name").asText());
          assertThat(cm).as(where + " ConfigMap " + ref).isNotNull();
          assertThat(cm.path("data").has(ref.path("key").asText()))
              .as(where + " key " + ref)
              .isTrue();
          checks++;
        }
      }
      if (c.path("image").asText().startsWith(Manifests.IMAGE)) {
        checks += checkRole(where, t, c);
      }
    }
    return checks;
  }

  /** The rules of each role's pods that keep accepted work safe through restarts. */
  private static int checkRole(String where, Manifests.PodTemplate t, JsonNode c) {
    List<String> args = ManifestFlagsTest.args(c);
    Map<String, String> env = ManifestFlagsTest.env(c);
    long grace = t.spec().path("terminationGracePeriodSeconds").asLong(30);
    switch (args.get(0)) {
      case "gateway" -> {
        assertThat(args).as(where).contains("--advertised-host=$(POD_IP)");
        assertThat(env.get("POD_IP")).as(where).isEqualTo("fieldRef:status.podIP");
        assertThat(c.path("lifecycle").path("preStop").isMissingNode())
            .as(where + " preStop")
            .isFalse();
        assertThat(t.owner().path("spec").path("replicas").asInt())
            .as(where + " replicas")
            .isGreaterThanOrEqualTo(2);
        assertThat(grace).as(where + " grace").isGreaterThanOrEqualTo(45);
      }
      case "scheduler" -> {
        assertThat(args).as(where).contains("--instance=$(POD_NAME)");
        assertThat(env.get("POD_NAME")).as(where).isEqualTo("fieldRef:metadata.name");
        assertThat(Manifests.kind(t.owner())).as(where + " stable ids").isEqualTo("StatefulSet");
      }
      case "worker" -> {
        long drain =
            args.stream()
                .filter(a -> a.startsWith("--drain-timeout="))
                .map(a -> Long.parseLong(a.substring(16)))
                .findFirst()
                .orElse(600L);
        assertThat(grace).as(where + " grace covers --drain-timeout " + drain).isGreaterThan(drain);
        JsonNode res = c.path("resources");
        boolean gpu = res.path("limits").has("nvidia.com/gpu");
        assertThat(res.path("requests").path("nvidia.com/gpu").asText())
            .as(where + " GPU requests = limits")
            .isEqualTo(res.path("limits").path("nvidia.com/gpu").asText());
        assertThat(!gpu || t.spec().path("tolerations").toString().contains("nvidia.com/gpu"))
            .as(where + " GPU toleration")
            .isTrue();
        assertThat(gpu).as(where + " GPU pool").isEqualTo(!where.startsWith("dev "));
        assertThat(env).as(where + " model").containsKey("LUMINA_MODEL");
        String artifacts =
            args.stream()
                .filter(a -> a.startsWith("--artifacts="))
                .map(a -> a.substring(12))
                .findFirst()
                .orElse("");
        List<String> mounts = new java.util.ArrayList<>();
        c.path("volumeMounts").forEach(m -> mounts.add(m.path("mountPath").asText()));
        assertThat(mounts).as(where + " --artifacts on a volume").anyMatch(artifacts::startsWith);
      }
      default -> throw new AssertionError(where + ": unexpected role " + args.get(0));
    }
    return 1;
  }

  private static int checkKafka(String overlay, List<ObjectNode> rs) {
    List<ObjectNode> kafkas = Manifests.ofKind(rs, "Kafka");
    assertThat(kafkas).as(overlay).hasSize(1);
    ObjectNode kafka = kafkas.get(0);
    String cluster = Manifests.name(kafka);
    int plain = -1;
    for (JsonNode l : kafka.path("spec").path("kafka").path("listeners")) {
      if (!l.path("tls").asBoolean()) {
        plain = l.path("port").asInt();
      }
    }
    ObjectNode config = Manifests.find(rs, "ConfigMap", "lumina-config");
    assertThat(config.path("data").path("LUMINA_KAFKA").asText())
        .as(overlay + " bootstrap service")
        .isEqualTo(cluster + "-kafka-bootstrap:" + plain);
    List<ObjectNode> pools = Manifests.ofKind(rs, "KafkaNodePool");
    pools.forEach(
        p ->
            assertThat(p.path("metadata").path("labels").path("strimzi.io/cluster").asText())
                .isEqualTo(cluster));
    Set<String> roles =
        pools.stream()
            .flatMap(p -> stream(p.path("spec").path("roles")))
            .collect(Collectors.toSet());
    assertThat(roles).as(overlay + " KRaft roles").contains("controller", "broker");
    int brokers =
        pools.stream()
            .filter(p -> p.path("spec").path("roles").toString().contains("broker"))
            .mapToInt(p -> p.path("spec").path("replicas").asInt())
            .sum();
    int replication = overlay.equals("dev") ? 1 : 3;
    int minIsr = overlay.equals("dev") ? 1 : 2;
    assertThat(brokers).as(overlay + " brokers").isGreaterThanOrEqualTo(replication);
    JsonNode kc = kafka.path("spec").path("kafka").path("config");
    assertThat(kc.path("default.replication.factor").asInt()).as(overlay).isEqualTo(replication);
    assertThat(kc.path("min.insync.replicas").asInt()).as(overlay).isEqualTo(minIsr);
    assertThat(kc.path("transaction.state.log.replication.factor").asInt())
        .as(overlay)
        .isEqualTo(replication);

    Tiers tiers = Tiers.parse(config.path("data").path("LUMINA_TIERS").asText());
    Map<String, NewTopic> wanted = new java.util.TreeMap<>();
    for (NewTopic n : ClusterTopics.scheduler(tiers, 3, (short) 1)) {
      wanted.put(n.name(), n);
    }
    for (NewTopic n : ClusterTopics.gateway(3, (short) 1)) {
      wanted.put(n.name(), n);
    }
    wanted.put(Topics.DEAD_LETTER, new NewTopic(Topics.DEAD_LETTER, 1, (short) 1));
    Set<String> declared = new TreeSet<>();
    for (ObjectNode t : Manifests.ofKind(rs, "KafkaTopic")) {
      JsonNode s = t.path("spec");
      String topic = s.path("topicName").asText();
      String where = overlay + " topic " + topic;
      assertThat(declared.add(topic)).as(where + " once").isTrue();
      assertThat(wanted).as(where + " is a topic the roles use").containsKey(topic);
      assertThat(t.path("metadata").path("labels").path("strimzi.io/cluster").asText())
          .as(where)
          .isEqualTo(cluster);
      assertThat(s.path("replicas").asInt()).as(where).isEqualTo(replication);
      assertThat(s.path("config").path("min.insync.replicas").asInt()).as(where).isEqualTo(minIsr);
      NewTopic code = wanted.get(topic);
      String policy =
          code.configs() == null
              ? "delete"
              : code.configs().getOrDefault("cleanup.policy", "delete");
      assertThat(s.path("config").path("cleanup.policy").asText("delete"))
          .as(where + " cleanup.policy")
          .isEqualTo(policy);
      if (code.numPartitions() == 1 && !topic.equals(Topics.DEAD_LETTER)) {
        assertThat(s.path("partitions").asInt())
            .as(where + " single partition as the roles create it")
            .isEqualTo(1);
      }
      assertThat(s.path("config").has("retention.ms") || policy.equals("compact"))
          .as(where + " retention")
          .isTrue();
    }
    assertThat(declared).as(overlay + " every topic the roles use").isEqualTo(wanted.keySet());
    return declared.size() + pools.size() + 1;
  }

  private static java.util.stream.Stream<String> stream(JsonNode array) {
    java.util.List<String> out = new java.util.ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out.stream();
  }

  /** Names and numbers of the container ports of a pod template. */
  static Set<String> containerPorts(Manifests.PodTemplate t) {
    Set<String> out = new HashSet<>();
    for (JsonNode c : t.spec().path("containers")) {
      for (JsonNode p : c.path("ports")) {
        out.add(p.path("name").asText());
        out.add(p.path("containerPort").asText());
      }
    }
    return out;
  }
}

package dev.lumina.it.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lumina.deploy.cli.Lumina;
import dev.lumina.engine.parallel.ParallelDegrees;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every flag and every {@code LUMINA_*} variable a manifest passes to {@code lumina} exists: each
 * container's args go through the launcher's own parser (parse only, nothing runs), and each
 * variable is one its subcommand reads. Flags a workload lists in {@code lumina.dev/flags-pending}
 * are reported, not failed, while the parser does not know them (none are, today).
 */
class ManifestFlagsTest {
  private static final Pattern VAR = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
  private static final Pattern ENV_DEFAULT = Pattern.compile("\\$\\{env:([A-Z0-9_]+)");

  /** Variables the LeaderWorkerSet controller sets in every pod of a group. */
  private static final Map<String, String> LWS =
      Map.of(
          "LWS_LEADER_ADDRESS",
          "lumina-shard-l-0.lumina-shard-l",
          "LWS_GROUP_SIZE",
          "4",
          "LWS_WORKER_INDEX",
          "1");

  @Test
  void everyContainerCommandLineParses() {
    int containers = 0;
    Set<String> reported = new TreeSet<>();
    for (String overlay : Manifests.OVERLAYS) {
      for (Manifests.PodTemplate t :
          Manifests.podTemplates(Kustomize.render(Manifests.overlay(overlay)))) {
        Set<String> pending = pending(t.owner());
        for (JsonNode c : t.spec().path("containers")) {
          if (!c.path("image").asText().startsWith(Manifests.IMAGE)) {
            continue;
          }
          String where = overlay + " " + t.where() + " container " + c.path("name").asText();
          assertThat(c.has("command")).as(where + ": the image's entrypoint runs lumina").isFalse();
          Map<String, String> env = env(c);
          Map<String, String> values = new LinkedHashMap<>(env);
          if (Manifests.kind(t.owner()).equals("LeaderWorkerSet")) {
            values.putAll(LWS);
          }
          List<String> args = new ArrayList<>();
          for (String a : args(c)) {
            args.add(substitute(where, a, values));
          }
          CommandLine.Model.CommandSpec sub = subcommand(args.get(0));
          assertThat(sub).as(where + " subcommand " + args.get(0)).isNotNull();
          List<String> parsed = new ArrayList<>();
          for (String a : args) {
            String flag = a.split("=", 2)[0];
            if (pending.contains(flag) && sub.findOption(flag) == null) {
              assertThat(a).as(where + ": a pending flag is written --flag=value").contains("=");
              reported.add("`lumina " + args.get(0) + " " + flag + "` (" + where + ")");
              continue;
            }
            parsed.add(a);
          }
          assertThatCode(() -> Lumina.newCommandLine().parseArgs(parsed.toArray(String[]::new)))
              .as(where + " args " + parsed)
              .doesNotThrowAnyException();
          Set<String> known = envVariables(args.get(0));
          for (String name : env.keySet()) {
            if (name.startsWith("LUMINA_")) {
              assertThat(known).as(where + " reads " + name).contains(name);
            }
          }
          containers++;
        }
      }
    }
    assertThat(containers).isGreaterThanOrEqualTo(14);
    System.out.printf("%d container command lines parsed by the launcher%n", containers);
    reported.forEach(r -> System.out.println("flag pending, not known to the parser yet: " + r));
    assertThat(reported).as("flags the launcher does not know").isEmpty();
  }

  @Test
  void eachLeaderWorkerSetsGroupSizeIsItsLayoutsRankCount() {
    List<ObjectNode> lws =
        Manifests.ofKind(Kustomize.render(Manifests.overlay("shard-groups")), "LeaderWorkerSet");
    assertThat(lws).hasSize(2);
    for (ObjectNode set : lws) {
      JsonNode template = set.path("spec").path("leaderWorkerTemplate");
      int size = template.path("size").asInt();
      for (String role : List.of("leaderTemplate", "workerTemplate")) {
        JsonNode c = template.path(role).path("spec").path("containers").get(0);
        List<String> args = args(c);
        String parallel =
            args.stream()
                .filter(a -> a.startsWith("--parallel="))
                .findFirst()
                .orElseThrow()
                .substring("--parallel=".length());
        String where = Manifests.name(set) + " " + role;
        assertThat(ParallelDegrees.parse(parallel).ranks()).as(where + " ranks").isEqualTo(size);
        assertThat(args).as(where).contains("--group-size=$(LWS_GROUP_SIZE)", "--dtype=fp32");
        assertThat(args)
            .as(where)
            .contains(role.equals("leaderTemplate") ? "--rank=0" : "--rank=$(LWS_WORKER_INDEX)");
        assertThat(env(c)).as(where).containsEntry("POD_IP", "fieldRef:status.podIP");
      }
      assertThat(template.path("restartPolicy").asText()).isEqualTo("RecreateGroupOnPodRestart");
    }
  }

  @Test
  void theGatewayManagementPortAndKeyFileAreFlagsTheLauncherKnows() {
    assertThat(subcommand("gateway").findOption("--metrics-port")).isNotNull();
    assertThat(subcommand("gateway").findOption("--api-keys")).isNotNull();
    ObjectNode gateway =
        Manifests.find(Kustomize.render(Manifests.overlay("gpu")), "Deployment", "lumina-gateway");
    assertThat(pending(gateway)).isEmpty();
  }

  /** The flags {@code owner} lists as pending. */
  static Set<String> pending(ObjectNode owner) {
    String v = owner.path("metadata").path("annotations").path(Manifests.FLAGS_PENDING).asText("");
    Set<String> out = new TreeSet<>();
    Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(out::add);
    return out;
  }

  /** A container's args. */
  static List<String> args(JsonNode container) {
    List<String> out = new ArrayList<>();
    container.path("args").forEach(a -> out.add(a.asText()));
    return out;
  }

  /** A container's env: literal values, or {@code fieldRef:PATH} / {@code configMap:NAME/KEY}. */
  static Map<String, String> env(JsonNode container) {
    Map<String, String> out = new LinkedHashMap<>();
    for (JsonNode e : container.path("env")) {
      JsonNode from = e.path("valueFrom");
      String v;
      if (from.has("fieldRef")) {
        v = "fieldRef:" + from.path("fieldRef").path("fieldPath").asText();
      } else if (from.has("configMapKeyRef")) {
        v =
            "configMap:"
                + from.path("configMapKeyRef").path("name").asText()
                + "/"
                + from.path("configMapKeyRef").path("key").asText();
      } else {
        v = e.path("value").asText();
      }
      out.put(e.path("name").asText(), v);
    }
    assertThat(container.has("envFrom")).as("variables are named one by one").isFalse();
    return out;
  }

  /** {@code arg} with Kubernetes' {@code $(VAR)} references replaced by a sample of their value. */
  private static String substitute(String where, String arg, Map<String, String> values) {
    Matcher m = VAR.matcher(arg);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String v = values.get(m.group(1));
      assertThat(v).as(where + ": $(" + m.group(1) + ") is defined").isNotNull();
      String sample =
          switch (v) {
            case "fieldRef:metadata.name" -> "lumina-pod-0";
            case "fieldRef:status.podIP" -> "10.1.2.3";
            default -> v;
          };
      m.appendReplacement(out, Matcher.quoteReplacement(sample));
    }
    m.appendTail(out);
    return out.toString();
  }

  static CommandLine.Model.CommandSpec subcommand(String name) {
    CommandLine sub = Lumina.newCommandLine().getSubcommands().get(name);
    return sub == null ? null : sub.getCommandSpec();
  }

  /** The {@code LUMINA_*} variables the subcommand's options take their defaults from. */
  static Set<String> envVariables(String subcommand) {
    CommandLine cl = Lumina.newCommandLine();
    cl.setInterpolateVariables(false);
    Set<String> out = new TreeSet<>();
    for (CommandLine.Model.OptionSpec o :
        cl.getSubcommands().get(subcommand).getCommandSpec().options()) {
      if (o.defaultValue() != null) {
        Matcher m = ENV_DEFAULT.matcher(o.defaultValue());
        while (m.find()) {
          out.add(m.group(1));
        }
      }
    }
    return out;
  }
}

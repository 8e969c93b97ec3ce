package dev.lumina.it.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lumina.deploy.cli.Lumina;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The container image, checked without building it (that needs Docker or a registry): the
 * Dockerfile's COPY sources exist in the build layout and pass its .dockerignore, it runs as a
 * non-root user, its ENTRYPOINT runs the launcher jar and its CMD parses with the launcher's
 * parser; the Jib profile of deploy/pom.xml builds the same image and is bound to no phase.
 */
class ImageDefinitionTest {
  private static final String SHIPPED = "/app/models/lumina-shapes-32";

  @Test
  void theDockerfileCopiesWhatTheBuildMakesAndRunsTheLauncher() throws Exception {
    Path repo = Manifests.repo();
    Map<String, List<String>> df = dockerfile(repo.resolve("deploy/Dockerfile"));
    String buildDir = System.getProperty("lumina.it.build.dir", "target");
    List<String> ignore = Files.readAllLines(repo.resolve("deploy/Dockerfile.dockerignore"));
    int copies = 0;
    for (String copy : df.get("COPY")) {
      List<String> parts = new ArrayList<>(List.of(copy.trim().split("\\s+")));
      parts.removeIf(p -> p.startsWith("--"));
      String dest = parts.remove(parts.size() - 1);
      for (String src : parts) {
        assertThat(ignore).as("dockerignore lets " + src + " in").contains("!" + src);
        Path built = repo.resolve(src.replaceFirst("^deploy/target/", "deploy/" + buildDir + "/"));
        if (src.startsWith("deploy/target/") && !Files.exists(built)) {
          System.out.println("not built here, COPY source unchecked: " + built);
          continue;
        }
        assertThat(built).as("COPY " + src + " " + dest).exists();
        if (src.endsWith("lib/")) {
          assertThat(built.toFile().list()).as(src).isNotEmpty();
        }
        copies++;
      }
    }
    assertThat(copies).isGreaterThanOrEqualTo(1);
    assertThat(df.get("COPY")).anyMatch(c -> c.endsWith(SHIPPED + "/"));
    assertThat(repo.resolve("models/lumina-shapes-32/model.safetensors")).exists();
    assertThat(df.get("FROM")).containsExactly("eclipse-temurin:17-jre");
    assertThat(df.get("USER"))
        .singleElement()
        .asString()
        .doesNotStartWith("0")
        .doesNotStartWith("root");
    List<String> entrypoint = jsonArray(df.get("ENTRYPOINT").get(0));
    assertThat(entrypoint).startsWith("java").endsWith("-jar", "/app/lumina.jar");
    List<String> cmd = jsonArray(df.get("CMD").get(0));
    assertThatCode(() -> Lumina.newCommandLine().parseArgs(cmd.toArray(String[]::new)))
        .as("CMD " + cmd)
        .doesNotThrowAnyException();
    assertThat(String.join(" ", df.get("ENV"))).contains("LUMINA_MODEL=" + SHIPPED);
    String devModel =
        ManifestFlagsTest.env(
                Manifests.podTemplates(Kustomize.render(Manifests.overlay("dev"))).stream()
                    .filter(t -> Manifests.name(t.owner()).equals("lumina-worker-s"))
                    .findFirst()
                    .orElseThrow()
                    .spec()
                    .path("containers")
                    .get(0))
            .get("LUMINA_MODEL");
    assertThat(devModel).as("dev workers serve the model shipped in the image").isEqualTo(SHIPPED);

    Element jib = jibPlugin(repo.resolve("deploy/pom.xml"));
    assertThat(jib.getElementsByTagName("executions").getLength())
        .as("Jib bound to no phase")
        .isZero();
    assertThat(text(jib, "from")).isEqualTo("eclipse-temurin:17-jre");
    Element container = (Element) jib.getElementsByTagName("container").item(0);
    assertThat(list(container, "entrypoint"))
        .as("Jib entrypoint = Dockerfile ENTRYPOINT")
        .isEqualTo(entrypoint);
    assertThat(list(container, "args")).as("Jib args = Dockerfile CMD").isEqualTo(cmd);
    assertThat(text(container, "user")).isEqualTo(df.get("USER").get(0));
    assertThat(text(container, "LUMINA_MODEL")).isEqualTo(SHIPPED);
    for (Node from : nodes(jib, "from")) {
      String f = from.getTextContent().trim();
      if (f.startsWith("${")) {
        Path p =
            Path.of(
                    f.replace(
                            "${project.build.directory}",
                            repo.resolve("deploy/" + buildDir).toString())
                        .replace("${project.basedir}", repo.resolve("deploy").toString()))
                .normalize();
        assertThat(p.startsWith(repo.resolve("deploy/" + buildDir)) || Files.isDirectory(p))
            .as("Jib extra directory " + f)
            .isTrue();
      }
    }
  }

  /** Instructions of a Dockerfile by keyword, continuation lines joined, comments dropped. */
  static Map<String, List<String>> dockerfile(Path file) throws Exception {
    Map<String, List<String>> out = new LinkedHashMap<>();
    StringBuilder line = new StringBuilder();
    for (String raw : Files.readAllLines(file)) {
      if (raw.stripLeading().startsWith("#")) {
        continue;
      }
      if (raw.endsWith("\\")) {
        line.append(raw, 0, raw.length() - 1).append(' ');
        continue;
      }
      line.append(raw);
      String l = line.toString().trim();
      line.setLength(0);
      if (!l.isEmpty()) {
        String[] kv = l.split("\\s+", 2);
        out.computeIfAbsent(kv[0].toUpperCase(java.util.Locale.ROOT), k -> new ArrayList<>())
            .add(kv.length > 1 ? kv[1] : "");
      }
    }
    return out;
  }

  private static List<String> jsonArray(String s) throws Exception {
    List<String> out = new ArrayList<>();
    for (JsonNode n : Manifests.JSON.readTree(s)) {
      out.add(n.asText());
    }
    return out;
  }

  private static Element jibPlugin(Path pom) throws Exception {
    var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    Element jib = null;
    for (Node n : nodes(doc.getDocumentElement(), "plugin")) {
      Element p = (Element) n;
      if ("jib-maven-plugin".equals(text(p, "artifactId"))) {
        Node profile = p.getParentNode().getParentNode().getParentNode();
        assertThat(profile.getNodeName()).as("Jib only in a profile").isEqualTo("profile");
        assertThat(text((Element) profile, "id")).isEqualTo("image");
        jib = p;
      }
    }
    assertThat(jib).as("jib-maven-plugin in deploy/pom.xml").isNotNull();
    return jib;
  }

  private static List<Node> nodes(Element e, String tag) {
    List<Node> out = new ArrayList<>();
    var list = e.getElementsByTagName(tag);
    for (int i = 0; i < list.getLength(); i++) {
      out.add(list.item(i));
    }
    return out;
  }

  private static String text(Element e, String tag) {
    return e.getElementsByTagName(tag).item(0).getTextContent().trim();
  }

  private static List<String> list(Element e, String tag) {
    List<String> out = new ArrayList<>();
    for (Node n : nodes((Element) e.getElementsByTagName(tag).item(0), "arg")) {
      out.add(n.getTextContent().trim());
    }
    return out;
  }
}

package dev.lumina.deploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.gateway.ApiKeys;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code lumina keys add|list}, and the gateway's refusal to start without keys. */
class KeysCommandTest {
  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  /** Runs the launcher with stdout and stderr captured (both picocli's and System's). */
  private static Run lumina(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    ByteArrayOutputStream sysErr = new ByteArrayOutputStream();
    PrintStream saved = System.err;
    System.setErr(new PrintStream(sysErr, true, StandardCharsets.UTF_8));
    int code;
    try {
      CommandLine cmd = Lumina.newCommandLine();
      cmd.setOut(new PrintWriter(out, true));
      cmd.setErr(new PrintWriter(err, true));
      code = cmd.execute(args);
    } finally {
      System.setErr(saved);
    }
    return new Run(code, out.toString(), err + sysErr.toString(StandardCharsets.UTF_8));
  }

  @Test
  void addPrintsOnlyTheKeyOnStdoutAndAppendsOneLineWithItsHash() throws Exception {
    Path file = dir.resolve("lumina.keys");
    Run first = lumina("keys", "add", "team-a", "--file", file.toString());
    assertThat(first.code()).isZero();
    List<String> stdout = first.out().lines().toList();
    assertThat(stdout).hasSize(1);
    String key = stdout.get(0);
    assertThat(key).startsWith("lsk_").hasSize(47);
    assertThat(first.err()).contains("team-a").contains(file.toString()).doesNotContain(key);
    assertThat(Files.readAllLines(file)).containsExactly("team-a " + ApiKeys.hash(key));

    Run second = lumina("keys", "add", "team-b", "--file", file.toString());
    String other = second.out().strip();
    assertThat(other).isNotEqualTo(key);
    assertThat(Files.readAllLines(file))
        .containsExactly("team-a " + ApiKeys.hash(key), "team-b " + ApiKeys.hash(other));
    assertThat(Files.readString(file)).doesNotContain(key).doesNotContain(other);
  }

  @Test
  void addRefusesABadTenantNameAndLeavesNoFile() {
    Path file = dir.resolve("k");
    Run r = lumina("keys", "add", "team a", "--file", file.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("tenant 'team a' is not a valid name");
    assertThat(file).doesNotExist();
  }

  @Test
  void listShowsTenantsAndHashPrefixesButNoKeys() {
    Path file = dir.resolve("k");
    String key = lumina("keys", "add", "ops", "--file", file.toString()).out().strip();
    Run r = lumina("keys", "list", "--file", file.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .isEqualTo("ops sha256:" + ApiKeys.hash(key).substring(7, 19) + "... line 1\n")
        .doesNotContain(key);
  }

  @Test
  void gatewayWithoutKeysOrAllowAnonymousExitsTwoSayingHowToCreateKeys() {
    Run r = lumina("gateway", "--kafka", "127.0.0.1:1", "--port", "0", "--chunk-sink-port", "0");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains("lumina keys add TENANT --file FILE")
        .contains("--allow-anonymous");
  }

  @Test
  void gatewayWithAMalformedKeyFileExitsTwoNamingTheLine() throws Exception {
    Path file = dir.resolve("bad.keys");
    Files.writeString(file, "# ok\nteam-a sha256:123\n");
    Run r = lumina("gateway", "--kafka", "127.0.0.1:1", "--api-keys", file.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains(file + ":2: ").contains("64 lowercase hex digits");
    Run both =
        lumina(
            "gateway",
            "--kafka",
            "127.0.0.1:1",
            "--api-keys",
            file.toString(),
            "--allow-anonymous");
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("exclude each other");
  }

  @Test
  void serveWithAMalformedKeyFileExitsTwoBeforeStartingAnything() throws Exception {
    Path file = dir.resolve("bad.keys");
    Files.writeString(file, "only-a-tenant\n");
    Run r =
        lumina("serve", "--api-keys", file.toString(), "--data-dir", dir.resolve("d").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains(file + ":1: expected 'TENANT sha256:HEX', found 1 field");
    assertThat(dir.resolve("d")).doesNotExist();
  }
}

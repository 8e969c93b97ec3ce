package dev.lumina.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key lookup by hash, and following the file as it is rewritten (with a fake clock). */
class ApiKeysTest {
  @TempDir Path dir;

  private Path write(String text) throws Exception {
    Path file = dir.resolve("lumina.keys");
    Files.writeString(file, text);
    return file;
  }

  @Test
  void aKeyMatchesOnlyItsOwnLine() throws Exception {
    Path file =
        write(
            "team-a "
                + ApiKeys.hash("alpha")
                + "\nteam-b "
                + ApiKeys.hash("beta")
                + "\n"
                + "team-a "
                + ApiKeys.hash("alpha-2")
                + "\n");
    ApiKeys keys = ApiKeys.load(file);
    assertThat(keys.isAnonymous()).isFalse();
    assertThat(keys.size()).isEqualTo(3);
    assertThat(keys.tenants()).isEqualTo(2);
    assertThat(keys.tenantOf("alpha")).contains("team-a");
    assertThat(keys.tenantOf("alpha-2")).contains("team-a");
    assertThat(keys.tenantOf("beta")).contains("team-b");
    assertThat(keys.tenantOf("Alpha")).isEmpty();
    assertThat(keys.tenantOf("alph")).isEmpty();
    assertThat(keys.tenantOf(ApiKeys.hash("alpha"))).isEmpty();
    assertThat(keys.tenantOf(ApiKeys.hash("alpha").substring(7))).isEmpty();
  }

  @Test
  void inMemoryKeysAreHashedAndAnonymousHasNone() {
    ApiKeys keys = ApiKeys.of(Map.of("k1", "t1"));
    assertThat(keys.tenantOf("k1")).contains("t1");
    assertThat(keys.tenantOf("k2")).isEmpty();
    assertThat(keys.toString()).doesNotContain("k1");
    assertThat(ApiKeys.anonymous().isAnonymous()).isTrue();
    assertThat(ApiKeys.anonymous().file()).isEmpty();
    assertThatThrownBy(() -> ApiKeys.of(Map.of("k", "no spaces please")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void loadRefusesAMalformedFileNamingTheLine() throws Exception {
    Path file = write("# ok\nteam-a " + ApiKeys.hash("a") + "\nteam-b sha256:nothex\n");
    assertThatThrownBy(() -> ApiKeys.load(file))
        .isInstanceOf(ApiKeyFileException.class)
        .hasMessageStartingWith(file + ":3: ");
  }

  @Test
  void aRewrittenFileReplacesTheKeysAtTheNextCheckAndNotBefore() throws Exception {
    FakeClock clock = new FakeClock();
    Path file = write("team-a " + ApiKeys.hash("old") + "\n");
    ApiKeys keys = ApiKeys.load(file, clock);
    assertThat(keys.tenantOf("old")).contains("team-a");

    Files.writeString(file, "team-a " + ApiKeys.hash("new") + "\n");
    clock.advance(ApiKeys.CHECK_INTERVAL.minusMillis(1));
    assertThat(keys.tenantOf("old")).as("no check before the interval").contains("team-a");
    clock.advance(Duration.ofMillis(1));
    assertThat(keys.tenantOf("new")).contains("team-a");
    assertThat(keys.tenantOf("old")).as("removing a line revokes its key").isEmpty();
  }

  @Test
  void aBrokenRewriteKeepsThePreviousKeysUntilTheFileIsFixed() throws Exception {
    FakeClock clock = new FakeClock();
    Path file = write("team-a " + ApiKeys.hash("old") + "\n");
    ApiKeys keys = ApiKeys.load(file, clock);

    Files.writeString(file, "team-a " + ApiKeys.hash("new") + "\nhalf-written-line\n");
    assertThat(keys.reload()).isFalse();
    assertThat(keys.tenantOf("old")).contains("team-a");
    assertThat(keys.tenantOf("new")).isEmpty();

    Files.delete(file);
    assertThat(keys.reload()).isFalse();
    assertThat(keys.tenantOf("old")).contains("team-a");

    Files.writeString(file, "team-a " + ApiKeys.hash("new") + "\n");
    assertThat(keys.reload()).isTrue();
    assertThat(keys.tenantOf("new")).contains("team-a");
    assertThat(keys.reload()).as("unchanged bytes are not reloaded").isFalse();
  }

  @Test
  void anEmptyFileRevokesEveryKey() throws Exception {
    Path file = write("team-a " + ApiKeys.hash("k") + "\n");
    ApiKeys keys = ApiKeys.load(file, new FakeClock());
    Files.writeString(file, "# everyone revoked\n");
    assertThat(keys.reload()).isTrue();
    assertThat(keys.size()).isZero();
    assertThat(keys.tenantOf("k")).isEmpty();
  }
}

package dev.lumina.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The key file format: what parses, what is refused (naming file and line), and appending. */
class ApiKeyFileTest {
  private static final Path FILE = Path.of("keys.txt");
  private static final String H1 = ApiKeyFile.hash("key-one");
  private static final String H2 = ApiKeyFile.hash("key-two");

  @Test
  void hashIsSha256OfTheUtf8BytesInLowercaseHex() throws Exception {
    String expected =
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest("kéy".getBytes("UTF-8")));
    assertThat(ApiKeyFile.hash("kéy")).isEqualTo("sha256:" + expected);
    assertThat(ApiKeys.hash("abc"))
        .isEqualTo("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void aGoodFileWithCommentsBlankLinesAndTwoKeysForOneTenantParsesInOrder() {
    String text =
        "# tenants of the staging gateway\n"
            + "\n"
            + "team-a "
            + H1
            + "   # laptop\n"
            + "  \t\n"
            + "team-a\t"
            + H2
            + "\r\n"
            + "Ops_2.x "
            + ApiKeyFile.hash("k3");
    List<ApiKeyFile.Line> lines = ApiKeyFile.parse(FILE, text);
    assertThat(lines)
        .extracting(ApiKeyFile.Line::tenant, ApiKeyFile.Line::number)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("team-a", 3),
            org.assertj.core.groups.Tuple.tuple("team-a", 5),
            org.assertj.core.groups.Tuple.tuple("Ops_2.x", 6));
    assertThat(lines.get(0).digest()).isEqualTo(ApiKeyFile.digest("key-one"));
  }

  @Test
  void anEmptyFileHasNoKeys() {
    assertThat(ApiKeyFile.parse(FILE, "")).isEmpty();
    assertThat(ApiKeyFile.parse(FILE, "# nobody yet\n")).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "one field                | team-a                          | 2 | found 1 field",
        "three fields             | team-a sha256:x extra           | 2 | found 3 fields",
        "no sha256: prefix        | team-a md5:abcd                 | 2 | sha256: and 64 lowercase"
            + " hex",
        "short hex                | team-a sha256:abcd              | 2 | 64 lowercase hex digits",
        "key in clear             | team-a lsk_abcdefghijklmnop     | 2 | looks like a key in"
            + " clear",
        "tenant with a slash      | team/a H1                       | 2 | tenant 'team/a' is not a"
            + " valid",
        "tenant over 64 chars     |"
            + " aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa H1 | 2 | tenant"
            + " of that length",
        "same hash twice          | team-b H1                       | 3 | the same key hash as line"
            + " 2",
      })
  void aMalformedLineIsRefusedNamingTheFileTheLineAndTheProblem(
      String name, String line, int lineNumber, String problem) {
    String text = "# header\nteam-a " + H1 + "\n" + line.replace("H1", H1) + "\n";
    if (lineNumber == 2) {
      text = "# header\n" + line.replace("H1", H1) + "\n";
    }
    String input = text;
    assertThatThrownBy(() -> ApiKeyFile.parse(FILE, input))
        .isInstanceOfSatisfying(
            ApiKeyFileException.class,
            e -> {
              assertThat(e.line()).isEqualTo(lineNumber);
              assertThat(e.file()).isEqualTo(FILE);
            })
        .hasMessageStartingWith("keys.txt:" + lineNumber + ": ")
        .hasMessageContaining(problem)
        .hasMessageNotContaining("lsk_")
        .hasMessageNotContaining(H1.substring(7, 20));
  }

  @Test
  void uppercaseHexIsRefusedBecauseTheFormatIsLowercase() {
    assertThatThrownBy(
            () -> ApiKeyFile.parse(FILE, "t " + H1.toUpperCase().replace("SHA256", "sha256")))
        .hasMessageContaining("keys.txt:1: ")
        .hasMessageContaining("lowercase");
  }

  @Test
  void aMissingFileIsRefusedNamingIt(@TempDir Path dir) {
    Path missing = dir.resolve("nope.keys");
    assertThatThrownBy(() -> ApiKeyFile.read(missing))
        .isInstanceOf(ApiKeyFileException.class)
        .hasMessage(missing + ": cannot read: no such file");
  }

  @Test
  void newKeysAreRandomUrlSafeAndPrefixed() {
    String a = ApiKeyFile.newKey();
    String b = ApiKeyFile.newKey();
    assertThat(a).isNotEqualTo(b).startsWith("lsk_").hasSize(4 + 43).matches("lsk_[A-Za-z0-9_-]+");
  }

  @Test
  void addCreatesAnOwnerOnlyFileAndAppendsOneLinePerKey(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("conf").resolve("lumina.keys");
    String k1 = ApiKeys.add(file, "team-a");
    String k2 = ApiKeys.add(file, "team-b");
    assertThat(Files.readAllLines(file))
        .containsExactly("team-a " + ApiKeys.hash(k1), "team-b " + ApiKeys.hash(k2));
    assertThat(Files.readString(file)).doesNotContain(k1).doesNotContain(k2);
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertThat(Files.getPosixFilePermissions(file))
          .containsExactlyInAnyOrder(
              PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    }
    assertThat(ApiKeys.list(file))
        .extracting(ApiKeys.Listed::tenant, ApiKeys.Listed::hashPrefix)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("team-a", ApiKeys.hash(k1).substring(7, 19)),
            org.assertj.core.groups.Tuple.tuple("team-b", ApiKeys.hash(k2).substring(7, 19)));
  }

  @Test
  void addCompletesALastLineWithoutNewlineAndRefusesABrokenFileOrABadTenant(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("k");
    Files.writeString(file, "old " + H1);
    String key = ApiKeys.add(file, "new");
    assertThat(Files.readAllLines(file)).containsExactly("old " + H1, "new " + ApiKeys.hash(key));
    assertThatThrownBy(() -> ApiKeys.add(file, "bad tenant"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tenant 'bad tenant' is not a valid name");
    Files.writeString(file, "garbage\n");
    assertThatThrownBy(() -> ApiKeys.add(file, "x"))
        .isInstanceOf(ApiKeyFileException.class)
        .hasMessageContaining(":1: ");
    assertThat(Files.readString(file)).isEqualTo("garbage\n");
  }
}

package dev.lumina.gateway;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The one definition of the API key file format, read by the gateway and appended to by {@code
 * lumina keys add}:
 *
 * <pre>
 * # comments and blank lines are ignored; '#' starts a comment anywhere on a line
 * TENANT sha256:HEX
 * </pre>
 *
 * where TENANT matches {@code [A-Za-z0-9._-]{1,64}} and HEX is the lowercase SHA-256 of the key's
 * UTF-8 bytes. A tenant may have several lines (several keys, e.g. while rotating); one hash may
 * appear only once. Keys themselves are never written. Stateless.
 */
final class ApiKeyFile {
  static final String HASH_PREFIX = "sha256:";
  static final String KEY_PREFIX = "lsk_";
  static final Pattern TENANT = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int KEY_BYTES = 32;

  private ApiKeyFile() {}

  /** One line of the file: a tenant, the SHA-256 of its key, and where it stood. */
  record Line(String tenant, byte[] digest, int number) {}

  /**
   * Parses a whole file's text.
   *
   * @throws ApiKeyFileException naming the first malformed line
   */
  static List<Line> parse(Path file, String text) {
    List<Line> lines = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    int number = 0;
    for (String raw : text.split("\r?\n", -1)) {
      number++;
      int hash = raw.indexOf('#');
      String content = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
      if (content.isEmpty()) {
        continue;
      }
      String[] fields = content.split("\\s+");
      if (fields.length != 2) {
        throw new ApiKeyFileException(
            file,
            number,
            "expected 'TENANT sha256:HEX', found "
                + fields.length
                + (fields.length == 1 ? " field" : " fields"));
      }
      String tenantProblem = tenantProblem(fields[0]);
      if (tenantProblem != null) {
        throw new ApiKeyFileException(file, number, tenantProblem);
      }
      String stored = fields[1];
      if (!stored.startsWith(HASH_PREFIX) || !HEX.matcher(stored.substring(7)).matches()) {
        throw new ApiKeyFileException(
            file,
            number,
            "the key must be stored as sha256: and 64 lowercase hex digits"
                + (stored.startsWith(KEY_PREFIX)
                    ? " (this looks like a key in clear: store its hash, see lumina keys add)"
                    : ""));
      }
      Integer earlier = seen.putIfAbsent(stored, number);
      if (earlier != null) {
        throw new ApiKeyFileException(
            file, number, "the same key hash as line " + earlier + ": one key, one tenant");
      }
      lines.add(new Line(fields[0], HexFormat.of().parseHex(stored.substring(7)), number));
    }
    return List.copyOf(lines);
  }

  /**
   * Reads and parses a file.
   *
   * @throws ApiKeyFileException if it cannot be read or a line is malformed
   */
  static List<Line> read(Path file) {
    return parse(file, readText(file));
  }

  static String readText(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ApiKeyFileException(file, "cannot read: " + describe(e), e);
    }
  }

  /** Why {@code tenant} is not a valid tenant name, or null when it is. */
  static String tenantProblem(String tenant) {
    if (tenant != null && TENANT.matcher(tenant).matches()) {
      return null;
    }
    String shown =
        tenant == null ? "(none)" : tenant.length() <= 64 ? "'" + tenant + "'" : "of that length";
    return "tenant "
        + shown
        + " is not a valid name: 1 to 64 characters of A-Z a-z 0-9 . _ - (e.g. team-a)";
  }

  /** The stored form of a key: {@code sha256:} and the lowercase hex SHA-256 of its UTF-8 bytes. */
  static String hash(String key) {
    return HASH_PREFIX + HexFormat.of().formatHex(digest(key));
  }

  static byte[] digest(String key) {
    return sha256(key.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** A fresh key: {@code lsk_} and 32 random bytes in URL-safe base64 (47 characters). */
  static String newKey() {
    byte[] bytes = new byte[KEY_BYTES];
    RANDOM.nextBytes(bytes);
    return KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * Creates a key for {@code tenant} and appends its line to {@code file}, creating the file (owner
   * read/write only where the file system has POSIX permissions) and its folder when missing. An
   * existing file must parse, so a broken file is not made worse.
   *
   * @return the new key, which exists nowhere else
   * @throws IllegalArgumentException if the tenant name is invalid
   * @throws ApiKeyFileException if the file cannot be read, parsed or written
   */
  static String add(Path file, String tenant) {
    String problem = tenantProblem(tenant);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    String key = newKey();
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      createOwnerOnly(file);
      String text = readText(file);
      parse(file, text);
      String line = tenant + " " + hash(key) + "\n";
      if (!text.isEmpty() && !text.endsWith("\n")) {
        line = "\n" + line;
      }
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.APPEND)) {
        ByteBuffer buf = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
      }
    } catch (IOException e) {
      throw new ApiKeyFileException(file, "cannot write: " + describe(e), e);
    }
    return key;
  }

  private static void createOwnerOnly(Path file) throws IOException {
    try {
      if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } else {
        Files.createFile(file);
      }
    } catch (FileAlreadyExistsException e) {
      // Appending to an existing file keeps its permissions.
    }
  }

  private static String describe(IOException e) {
    return e instanceof java.nio.file.NoSuchFileException
        ? "no such file"
        : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
  }
}

package dev.lumina.gateway;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which API key belongs to which tenant. Either {@link #anonymous()} (every caller is the default
 * tenant), or the keys of a key file ({@link #load}; format in {@code ApiKeyFile}: one {@code
 * TENANT sha256:HEX} line per key), or keys given in memory ({@link #of}, for tests and embedders).
 *
 * <p>Keys are held only as SHA-256 hashes: a presented key is hashed and compared with every stored
 * hash in constant time ({@link java.security.MessageDigest#isEqual}), all of them, so the time a
 * lookup takes does not depend on which hash matched.
 *
 * <p>A file-backed instance follows its file: a lookup at most once per {@link #CHECK_INTERVAL}
 * re-reads it and, when its bytes changed, swaps in the new keys (removing a line revokes that key
 * from the next check on). A change that does not parse, or a file that cannot be read, keeps the
 * previous keys and logs one WARN naming the file and line.
 *
 * <p>Thread-safe: the keys are an immutable snapshot in an {@link AtomicReference}; one thread at a
 * time re-reads the file (under a private lock).
 */
public final class ApiKeys {
  /** How often a lookup may look at the file for changes. */
  public static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);
  private static final ApiKeys ANONYMOUS = new ApiKeys(null, Clock.systemUTC(), Snapshot.EMPTY);

  /** One key as listed: its tenant, the first 12 hex digits of its hash, and its line. */
  public record Listed(String tenant, String hashPrefix, int line) {}

  private record Snapshot(List<ApiKeyFile.Line> lines, byte[] fileDigest) {
    static final Snapshot EMPTY = new Snapshot(List.of(), new byte[0]);
  }

  private final Path file;
  private final Clock clock;
  private final AtomicReference<Snapshot> snapshot;
  private final AtomicLong nextCheckMillis;
  private final Object reloadLock = new Object();
  private String lastWarning; // guarded by reloadLock

  private ApiKeys(Path file, Clock clock, Snapshot first) {
    this.file = file;
    this.clock = clock;
    this.snapshot = new AtomicReference<>(first);
    this.nextCheckMillis = new AtomicLong(clock.millis() + CHECK_INTERVAL.toMillis());
  }

  /** No keys: every caller is the default tenant. */
  public static ApiKeys anonymous() {
    return ANONYMOUS;
  }

  /**
   * The keys of {@code file}, followed as it changes.
   *
   * @throws ApiKeyFileException if the file cannot be read or a line is malformed
   */
  public static ApiKeys load(Path file) {
    return load(file, Clock.systemUTC());
  }

  /** {@link #load(Path)} with the clock that paces the checks for changes. */
  static ApiKeys load(Path file, Clock clock) {
    Objects.requireNonNull(file, "file");
    String text = ApiKeyFile.readText(file);
    List<ApiKeyFile.Line> lines = ApiKeyFile.parse(file, text);
    return new ApiKeys(file, clock, new Snapshot(lines, contentDigest(text)));
  }

  /**
   * Keys given in clear (key to tenant), hashed at once and not kept; no file to follow.
   *
   * @throws IllegalArgumentException if a tenant name is invalid
   */
  public static ApiKeys of(Map<String, String> tenantsByKey) {
    List<ApiKeyFile.Line> lines = new ArrayList<>();
    for (Map.Entry<String, String> e : tenantsByKey.entrySet()) {
      String problem = ApiKeyFile.tenantProblem(e.getValue());
      if (problem != null) {
        throw new IllegalArgumentException(problem);
      }
      lines.add(new ApiKeyFile.Line(e.getValue(), ApiKeyFile.digest(e.getKey()), 0));
    }
    return new ApiKeys(null, Clock.systemUTC(), new Snapshot(List.copyOf(lines), new byte[0]));
  }

  /**
   * Creates a random key for {@code tenant} and appends {@code TENANT sha256:HEX} to {@code file}
   * (created owner read/write only where POSIX permissions exist). A gateway following the file
   * accepts the key within about {@link #CHECK_INTERVAL}.
   *
   * @return the key: shown once, stored nowhere
   * @throws IllegalArgumentException if the tenant name is invalid
   * @throws ApiKeyFileException if the file cannot be read, parsed or written
   */
  public static String add(Path file, String tenant) {
    return ApiKeyFile.add(file, tenant);
  }

  /**
   * The keys of {@code file} as tenants and hash prefixes, in file order (never the keys).
   *
   * @throws ApiKeyFileException if the file cannot be read or a line is malformed
   */
  public static List<Listed> list(Path file) {
    return ApiKeyFile.read(file).stream()
        .map(
            l ->
                new Listed(
                    l.tenant(), HexFormat.of().formatHex(l.digest()).substring(0, 12), l.number()))
        .toList();
  }

  /** The stored form of {@code key}: {@code sha256:} and the lowercase hex SHA-256. */
  public static String hash(String key) {
    return ApiKeyFile.hash(key);
  }

  /** True when every caller is the default tenant (no keys are checked). */
  public boolean isAnonymous() {
    return this == ANONYMOUS;
  }

  /** The file followed, if any. */
  public Optional<Path> file() {
    return Optional.ofNullable(file);
  }

  /** How many keys are accepted now. */
  public int size() {
    return snapshot.get().lines().size();
  }

  /** How many distinct tenants have a key now. */
  public long tenants() {
    return snapshot.get().lines().stream().map(ApiKeyFile.Line::tenant).distinct().count();
  }

  /**
   * The tenant whose key {@code key} is, or empty for an unknown key. Looks at the file first when
   * a check is due.
   */
  Optional<String> tenantOf(String key) {
    checkIfDue();
    byte[] presented = ApiKeyFile.digest(key);
    String tenant = null;
    for (ApiKeyFile.Line l : snapshot.get().lines()) {
      // Every hash is compared, match or not: no early exit to time.
      if (java.security.MessageDigest.isEqual(presented, l.digest())) {
        tenant = l.tenant();
      }
    }
    return Optional.ofNullable(tenant);
  }

  private void checkIfDue() {
    if (file == null) {
      return;
    }
    long now = clock.millis();
    long due = nextCheckMillis.get();
    if (now >= due && nextCheckMillis.compareAndSet(due, now + CHECK_INTERVAL.toMillis())) {
      reload();
    }
  }

  /**
   * Re-reads the file now and swaps in its keys if its bytes changed and it parses; otherwise keeps
   * the current keys (with one WARN per distinct problem).
   *
   * @return true when the keys were replaced
   */
  boolean reload() {
    if (file == null) {
      return false;
    }
    synchronized (reloadLock) {
      String text;
      try {
        text = ApiKeyFile.readText(file);
      } catch (ApiKeyFileException e) {
        warnOnce(e.getMessage());
        return false;
      }
      byte[] digest = contentDigest(text);
      Snapshot current = snapshot.get();
      if (Arrays.equals(digest, current.fileDigest())) {
        lastWarning = null;
        return false;
      }
      List<ApiKeyFile.Line> lines;
      try {
        lines = ApiKeyFile.parse(file, text);
      } catch (ApiKeyFileException e) {
        warnOnce(e.getMessage());
        return false;
      }
      snapshot.set(new Snapshot(lines, digest));
      lastWarning = null;
      log.info("{}: reloaded, {} keys for {} tenants", file, lines.size(), tenants());
      return true;
    }
  }

  private void warnOnce(String problem) {
    if (!problem.equals(lastWarning)) {
      lastWarning = problem;
      log.warn("{}; keeping the previous {} keys", problem, size());
    }
  }

  private static byte[] contentDigest(String text) {
    return ApiKeyFile.sha256(text.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return isAnonymous()
        ? "ApiKeys[anonymous]"
        : "ApiKeys[" + (file == null ? "in memory" : file) + ", " + size() + " keys]";
  }
}

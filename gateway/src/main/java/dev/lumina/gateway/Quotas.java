package dev.lumina.gateway;

import dev.lumina.proto.JobCost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What each tenant may use of a gateway and of the cluster, and how much queued work a tier may
 * hold before new work is shed. Immutable.
 *
 * <p>Per tenant ({@link Limit}; 0 = no limit): calls per second on this gateway (a Resilience4j
 * {@code RateLimiter} per tenant), open streams on this gateway (a {@code Bulkhead}), and, across
 * the cluster as this gateway sees it through {@code lumina.events}, jobs not yet ended and the
 * estimated model seconds of its jobs still queued ({@link JobCost}, the unit of {@code
 * lumina.queue-depth}). Per tier: the estimated seconds of every tenant's queued jobs.
 *
 * <p>The quota file has one line per tenant, {@code TENANT key=value ...}, with {@code *} for every
 * tenant without a line of its own; keys are {@code requests-per-second}, {@code streams}, {@code
 * jobs} and {@code queued-token-seconds}; a key a tenant's line leaves out comes from the {@code *}
 * line. {@code #} starts a comment.
 *
 * <p>A file-backed instance follows its file like the key file: a lookup at most once per {@link
 * #CHECK_INTERVAL} re-reads it and, when it changed and parses, uses the new limits from then on (a
 * rewrite that does not parse keeps the previous limits, with one WARN naming the line).
 * Thread-safe: the limits are an immutable table in an {@link AtomicReference}.
 */
public final class Quotas {
  /** How often a lookup may look at the file for changes. */
  public static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Quotas.class);

  /** The per-tenant limits of one version of the file. */
  private record Table(Map<String, Limit> tenants, Limit everyTenant) {}

  /** The tenant name that stands for every tenant without a line of its own. */
  public static final String EVERY_TENANT = "*";

  /**
   * One tenant's limits; 0 means none.
   *
   * @param requestsPerSecond calls per second on one gateway
   * @param streams open Generate, Watch and GetArtifact streams on one gateway
   * @param jobs jobs queued or running in the cluster
   * @param queuedTokenSeconds estimated model seconds of the tenant's queued jobs
   */
  public record Limit(int requestsPerSecond, int streams, int jobs, double queuedTokenSeconds) {
    public static final Limit NONE = new Limit(0, 0, 0, 0);

    public Limit {
      if (requestsPerSecond < 0 || streams < 0 || jobs < 0) {
        throw new IllegalArgumentException("quota limits must be >= 0");
      }
      if (!(queuedTokenSeconds >= 0) || Double.isInfinite(queuedTokenSeconds)) {
        throw new IllegalArgumentException(
            "queued-token-seconds must be finite and >= 0, got " + queuedTokenSeconds);
      }
    }

    boolean isNone() {
      return equals(NONE);
    }
  }

  private static final Quotas NONE =
      new Quotas(
          new Table(Map.of(), Limit.NONE),
          0,
          JobCost.DEFAULT_SECONDS_PER_TOKEN_EVAL,
          null,
          Clock.systemUTC(),
          "");

  private final AtomicReference<Table> table;
  private final double maxQueuedTokenSecondsPerTier;
  private final double secondsPerTokenEval;
  private final Path file;
  private final Clock clock;
  private final AtomicLong nextCheckMillis;
  private final Object reloadLock = new Object();
  private String lastText; // guarded by reloadLock
  private String lastWarning; // guarded by reloadLock

  private Quotas(
      Table table,
      double maxQueuedTokenSecondsPerTier,
      double secondsPerTokenEval,
      Path file,
      Clock clock,
      String text) {
    if (!(maxQueuedTokenSecondsPerTier >= 0) || Double.isInfinite(maxQueuedTokenSecondsPerTier)) {
      throw new IllegalArgumentException(
          "max-queued-token-seconds must be finite and >= 0, got " + maxQueuedTokenSecondsPerTier);
    }
    if (!(secondsPerTokenEval >= 0) || Double.isInfinite(secondsPerTokenEval)) {
      throw new IllegalArgumentException(
          "seconds-per-token-eval must be finite and >= 0, got " + secondsPerTokenEval);
    }
    this.table =
        new AtomicReference<>(
            new Table(
                Map.copyOf(table.tenants()),
                Objects.requireNonNull(table.everyTenant(), "everyTenant")));
    this.maxQueuedTokenSecondsPerTier = maxQueuedTokenSecondsPerTier;
    this.secondsPerTokenEval = secondsPerTokenEval;
    this.file = file;
    this.clock = clock;
    this.lastText = text;
    this.nextCheckMillis = new AtomicLong(clock.millis() + CHECK_INTERVAL.toMillis());
  }

  /** No limits at all (the default). */
  public static Quotas none() {
    return NONE;
  }

  /**
   * Limits given in memory.
   *
   * @param tenants limits by tenant
   * @param everyTenant limits of a tenant not in {@code tenants}
   * @param maxQueuedTokenSecondsPerTier most estimated model seconds queued per tier (0 = no limit)
   * @param secondsPerTokenEval the cost model's seconds of one token through one model evaluation
   */
  public static Quotas of(
      Map<String, Limit> tenants,
      Limit everyTenant,
      double maxQueuedTokenSecondsPerTier,
      double secondsPerTokenEval) {
    return new Quotas(
        new Table(tenants, everyTenant),
        maxQueuedTokenSecondsPerTier,
        secondsPerTokenEval,
        null,
        Clock.systemUTC(),
        "");
  }

  /**
   * The limits of a quota file (format in the class comment), with the per-tier limit and cost
   * model given apart.
   *
   * @throws IllegalArgumentException naming the file, line and key of what does not parse, or the
   *     file when it cannot be read
   */
  public static Quotas load(
      Path file, double maxQueuedTokenSecondsPerTier, double secondsPerTokenEval) {
    return load(file, maxQueuedTokenSecondsPerTier, secondsPerTokenEval, Clock.systemUTC());
  }

  /** {@link #load(Path, double, double)} with the clock that paces the checks for changes. */
  static Quotas load(
      Path file, double maxQueuedTokenSecondsPerTier, double secondsPerTokenEval, Clock clock) {
    String text = read(file);
    return new Quotas(
        parse(file, text), maxQueuedTokenSecondsPerTier, secondsPerTokenEval, file, clock, text);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("quotas: cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static Table parse(Path file, String text) {
    Map<String, Map<String, Number>> lines = new LinkedHashMap<>();
    String[] all = text.split("\n", -1);
    for (int i = 0; i < all.length; i++) {
      String line = all[i];
      int hash = line.indexOf('#');
      line = (hash >= 0 ? line.substring(0, hash) : line).strip();
      if (line.isEmpty()) {
        continue;
      }
      String where = "quotas: " + file + " line " + (i + 1);
      String[] parts = line.split("\\s+");
      String tenant = parts[0];
      if (!tenant.equals(EVERY_TENANT)) {
        String problem = ApiKeyFile.tenantProblem(tenant);
        if (problem != null) {
          throw new IllegalArgumentException(where + ": " + problem);
        }
      }
      if (lines.containsKey(tenant)) {
        throw new IllegalArgumentException(where + ": tenant " + tenant + " has a line already");
      }
      Map<String, Number> values = new LinkedHashMap<>();
      for (int p = 1; p < parts.length; p++) {
        values.putAll(parsePair(where, parts[p]));
      }
      lines.put(tenant, values);
    }
    Map<String, Number> every = lines.getOrDefault(EVERY_TENANT, Map.of());
    Limit fallback = limit(every, Map.of());
    Map<String, Limit> tenants = new LinkedHashMap<>();
    lines.forEach(
        (t, v) -> {
          if (!t.equals(EVERY_TENANT)) {
            tenants.put(t, limit(v, every));
          }
        });
    return new Table(tenants, fallback);
  }

  /** The limits of {@code tenant} now (looking at the file first when a check is due). */
  public Limit limitFor(String tenant) {
    checkIfDue();
    Table t = table.get();
    return t.tenants().getOrDefault(tenant, t.everyTenant());
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
   * Re-reads the file now and uses its limits if it changed and parses; otherwise keeps the current
   * ones (one WARN per distinct problem). Returns true when the limits were replaced.
   */
  boolean reload() {
    if (file == null) {
      return false;
    }
    synchronized (reloadLock) {
      String text;
      Table next;
      try {
        text = read(file);
        if (text.equals(lastText)) {
          return false;
        }
        next = parse(file, text);
      } catch (IllegalArgumentException e) {
        if (!e.getMessage().equals(lastWarning)) {
          lastWarning = e.getMessage();
          LOG.warn("{}; keeping the previous quotas", e.getMessage());
        }
        return false;
      }
      table.set(next);
      lastText = text;
      lastWarning = null;
      LOG.info("{}: reloaded quotas, {} tenants listed", file, next.tenants().size());
      return true;
    }
  }

  /** Most estimated model seconds queued per tier, 0 = no limit. */
  public double maxQueuedTokenSecondsPerTier() {
    return maxQueuedTokenSecondsPerTier;
  }

  public double secondsPerTokenEval() {
    return secondsPerTokenEval;
  }

  /** True when nothing is limited. */
  public boolean isNone() {
    Table t = table.get();
    return file == null
        && maxQueuedTokenSecondsPerTier == 0
        && t.everyTenant().isNone()
        && t.tenants().values().stream().allMatch(Limit::isNone);
  }

  /** Tenants with a line of their own. */
  public int tenantsListed() {
    return table.get().tenants().size();
  }

  private static Map<String, Number> parsePair(String where, String pair) {
    int eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException(
          where + ": expected key=value, got " + GatewayErrors.quote(pair));
    }
    String key = pair.substring(0, eq).toLowerCase(Locale.ROOT);
    String value = pair.substring(eq + 1);
    try {
      switch (key) {
        case "requests-per-second", "streams", "jobs" -> {
          int n = Integer.parseInt(value);
          if (n < 0) {
            throw new NumberFormatException();
          }
          return Map.of(key, n);
        }
        case "queued-token-seconds" -> {
          double d = Double.parseDouble(value);
          if (!(d >= 0) || Double.isInfinite(d)) {
            throw new NumberFormatException();
          }
          return Map.of(key, d);
        }
        default ->
            throw new IllegalArgumentException(
                where
                    + ": unknown key "
                    + GatewayErrors.quote(key)
                    + " (requests-per-second, streams, jobs, queued-token-seconds)");
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          where + ": " + key + " must be a number >= 0, got " + GatewayErrors.quote(value), e);
    }
  }

  private static Limit limit(Map<String, Number> own, Map<String, Number> every) {
    return new Limit(
        value(own, every, "requests-per-second").intValue(),
        value(own, every, "streams").intValue(),
        value(own, every, "jobs").intValue(),
        value(own, every, "queued-token-seconds").doubleValue());
  }

  private static Number value(Map<String, Number> own, Map<String, Number> every, String key) {
    Number n = own.get(key);
    if (n == null) {
      n = every.get(key);
    }
    return n == null ? 0 : n;
  }
}

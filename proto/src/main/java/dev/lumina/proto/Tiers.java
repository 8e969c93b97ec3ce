package dev.lumina.proto;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Worker tiers by token budget, smallest first: a job goes to the first tier whose bound holds its
 * tokens. Bounds are configuration ({@code s=4224,m=16896,l=65536,xl=131072} by default).
 */
public record Tiers(List<Tier> tiers) {

  /** One tier: jobs of at most {@code maxTokens} tokens. */
  public record Tier(String name, long maxTokens) {
    public Tier {
      if (name == null || !name.matches("[a-z0-9]+")) {
        throw new IllegalArgumentException("tier name must match [a-z0-9]+, got " + name);
      }
      if (maxTokens < 1) {
        throw new IllegalArgumentException(
            "tier " + name + " bound must be >= 1, got " + maxTokens);
      }
    }
  }

  public static final String DEFAULT_SPEC = "s=4224,m=16896,l=65536,xl=131072";

  public Tiers {
    if (tiers == null || tiers.isEmpty()) {
      throw new IllegalArgumentException("at least one tier is required");
    }
    tiers = List.copyOf(tiers);
    for (int i = 1; i < tiers.size(); i++) {
      if (tiers.get(i).maxTokens() <= tiers.get(i - 1).maxTokens()) {
        throw new IllegalArgumentException("tier bounds must increase: " + tiers);
      }
    }
  }

  public static Tiers defaults() {
    return parse(DEFAULT_SPEC);
  }

  /** Parses {@code name=maxTokens,...}, smallest first. */
  public static Tiers parse(String spec) {
    List<Tier> out = new ArrayList<>();
    for (String part : spec.split(",")) {
      String[] kv = part.trim().split("=", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException(
            "tier spec entry must be name=maxTokens, got '" + part + "'");
      }
      try {
        out.add(new Tier(kv[0].trim(), Long.parseLong(kv[1].trim())));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("tier " + kv[0] + " bound is not a number: " + kv[1], e);
      }
    }
    return new Tiers(out);
  }

  /** The smallest tier that holds {@code tokens}, or empty when the job exceeds the largest. */
  public Optional<Tier> tierFor(long tokens) {
    return tiers.stream().filter(t -> tokens <= t.maxTokens()).findFirst();
  }

  public long maxTokens() {
    return tiers.get(tiers.size() - 1).maxTokens();
  }
}

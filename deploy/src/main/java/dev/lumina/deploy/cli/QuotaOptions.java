package dev.lumina.deploy.cli;

import dev.lumina.gateway.Quotas;
import dev.lumina.proto.JobCost;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * A gateway's quotas and load shedding: {@code --quotas FILE} (per-tenant limits, format in {@link
 * Quotas}), {@code --max-queued-token-seconds} (per tier) and the cost model they count in.
 */
final class QuotaOptions {
  static final String ENV = "LUMINA_QUOTAS_FILE";

  @Option(
      names = "--quotas",
      paramLabel = "FILE",
      defaultValue = "${env:" + ENV + "}",
      description =
          "Per-tenant quotas, one 'TENANT key=value ...' line per tenant ('*' = every other"
              + " tenant; keys requests-per-second, streams, jobs, queued-token-seconds; 0 = no"
              + " limit); re-read when it changes. Env: "
              + ENV
              + ".")
  Path file;

  @Option(
      names = "--max-queued-token-seconds",
      paramLabel = "S",
      defaultValue = "${env:LUMINA_MAX_QUEUED_TOKEN_SECONDS:-0}",
      description =
          "Shed new work once a tier has this many estimated model seconds queued (the unit of"
              + " lumina.queue-depth); 0 = no limit (default: ${DEFAULT-VALUE}).")
  double maxQueuedTokenSeconds;

  @Option(
      names = "--seconds-per-token-eval",
      paramLabel = "S",
      defaultValue = "" + JobCost.DEFAULT_SECONDS_PER_TOKEN_EVAL,
      description =
          "Cost model: seconds of one token through one model evaluation, as the scheduler's"
              + " (default: ${DEFAULT-VALUE}).")
  double secondsPerTokenEval;

  /**
   * The quotas named by the options.
   *
   * @throws IllegalArgumentException naming the file, line and key, or the option, when unusable
   */
  Quotas load() {
    return file == null
        ? Quotas.of(
            java.util.Map.of(), Quotas.Limit.NONE, maxQueuedTokenSeconds, secondsPerTokenEval)
        : Quotas.load(file, maxQueuedTokenSeconds, secondsPerTokenEval);
  }

  /** The line a command prints at start when quotas are on; null when none are. */
  static String describe(Quotas q) {
    if (q.isNone()) {
      return null;
    }
    return "quotas: "
        + q.tenantsListed()
        + " tenants listed, every other tenant "
        + q.limitFor("\u0000")
        + (q.maxQueuedTokenSecondsPerTier() > 0
            ? ", new work shed past " + q.maxQueuedTokenSecondsPerTier() + " s queued per tier"
            : "");
  }
}

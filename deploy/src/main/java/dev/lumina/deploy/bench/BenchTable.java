package dev.lumina.deploy.bench;

import java.util.List;
import java.util.Locale;

/**
 * The printed form of a {@link ClusterBenchmark} run: one row per phase, then the goals. Stateless.
 */
public final class BenchTable {
  /** Goals for 2-step jobs on a 2-core machine; the jobs/s one is the capacity phase's. */
  public static final double GOAL_OVERHEAD_P50_MS = 10;

  public static final double GOAL_OVERHEAD_P99_MS = 30;
  public static final double GOAL_JOBS_PER_SECOND = 500;
  public static final double GOAL_ACCEPTED_P50_MS = 5;
  public static final double GOAL_OVERHEAD_PER_FLOOR = 2;
  public static final double GOAL_BUSY = 0.9;

  private BenchTable() {}

  /**
   * The table of {@code phases}, with the path's floor measured in the same run (null when not
   * measured); the goals compare the sequential phase's latencies with their targets and the floor,
   * and the saturated phase's busy share. (The jobs/s goal is the capacity phase's, {@link
   * CapacityRun.Result#describe}.)
   */
  public static String format(List<PhaseResult> phases, PathFloor floor) {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "%-11s %7s %6s %6s %8s | %-17s | %-17s | %-17s | %s%n",
            "phase",
            "clients",
            "jobs",
            "failed",
            "jobs/s",
            "accepted p50/p99",
            "end-to-end p50/p99",
            "overhead p50/p99",
            "model+decode p50"));
    for (PhaseResult p : phases) {
      b.append(
          String.format(
              Locale.ROOT,
              "%-11s %7d %6d %6d %8.1f | %-17s | %-17s | %-17s | %.1f ms%n",
              p.name(),
              p.clients(),
              p.completed(),
              p.failed(),
              p.jobsPerSecond(),
              pair(p.accepted()),
              pair(p.endToEnd()),
              pair(p.overhead()),
              p.modelAndDecode().p50Ms()));
    }
    b.append(
        String.format(
            Locale.ROOT,
            "overhead by phase, p50/p99 (accepted = client to durable accept; queued = accept to"
                + " worker start; in-worker = worker time besides model+decode; delivery ="
                + " completed to client):%n"));
    for (PhaseResult p : phases) {
      b.append(
          String.format(
              Locale.ROOT,
              "%-11s accepted %-17s queued %-17s in-worker %-17s delivery %s%n",
              p.name(),
              pair(p.accepted()),
              pair(p.queued()),
              pair(p.inWorker()),
              pair(p.delivery())));
    }
    for (PhaseResult p : phases) {
      b.append(
          String.format(
              Locale.ROOT,
              "%-11s first chunk %-17s busy %.2f (running model or decode %.2f s of the %.2f s from"
                  + " the worker's first start to its last end; phase wall %.2f s; model+decode of"
                  + " the jobs summed %.1f s); this JVM's JIT compiled %.1f s%n",
              p.name(),
              pair(p.firstChunk()),
              p.busyFraction(),
              p.busySeconds(),
              p.spanSeconds(),
              p.wallSeconds(),
              p.workerSeconds(),
              p.jitSeconds()));
    }
    if (floor != null) {
      b.append(
          String.format(
              Locale.ROOT,
              "floor (same broker, same process): kafka acks=all produce->consume %s,"
                  + " transactional read_committed %s, gRPC unary on loopback %s; path floor"
                  + " (one of each) %s%n",
              pair(floor.kafka()),
              pair(floor.transactional()),
              pair(floor.grpc()),
              String.format(Locale.ROOT, "%.1f/%.1f ms", floor.p50Ms(), floor.p99Ms())));
    }
    PhaseResult seq =
        phases.stream().filter(p -> p.name().equals("sequential")).findFirst().orElse(null);
    PhaseResult sat =
        phases.stream().filter(p -> p.name().equals("saturated")).findFirst().orElse(null);
    b.append("goals:\n");
    if (seq != null) {
      b.append(
          goal(
              "overhead p50 (sequential)",
              seq.overhead().p50Ms(),
              GOAL_OVERHEAD_P50_MS,
              " ms",
              true));
      b.append(
          goal(
              "overhead p99 (sequential)",
              seq.overhead().p99Ms(),
              GOAL_OVERHEAD_P99_MS,
              " ms",
              true));
      b.append(
          goal(
              "accepted p50 (sequential)",
              seq.accepted().p50Ms(),
              GOAL_ACCEPTED_P50_MS,
              " ms",
              true));
    }
    if (seq != null && floor != null) {
      b.append(
          goal(
              "overhead p50 / floor p50",
              seq.overhead().p50Ms() / floor.p50Ms(),
              GOAL_OVERHEAD_PER_FLOOR,
              "x",
              true));
    }
    if (sat != null) {
      b.append(goal("busy (saturated)", sat.busyFraction(), GOAL_BUSY, "", false));
    }
    return b.toString();
  }

  private static String pair(LatencyStats s) {
    return String.format(Locale.ROOT, "%.1f/%.1f ms", s.p50Ms(), s.p99Ms());
  }

  private static String goal(String what, double value, double goal, String unit, boolean atMost) {
    boolean met = atMost ? value <= goal : value >= goal;
    return String.format(
        Locale.ROOT,
        "  %-27s %9.2f%s  goal %s %.1f%s  %s%n",
        what,
        value,
        unit,
        atMost ? "<=" : ">=",
        goal,
        unit,
        met ? "met" : "NOT met");
  }
}

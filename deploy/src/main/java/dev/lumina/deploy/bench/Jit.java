package dev.lumina.deploy.bench;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * The JIT compiler of this JVM as the benchmarks report it: which tiers run (the launcher runs C1
 * alone on small hosts, see {@code ./lumina}) and how long the compiler threads have worked, so a
 * phase that ran while the JIT was still compiling says so. Stateless.
 */
public final class Jit {
  private Jit() {}

  /**
   * {@code "C1 only (-XX:TieredStopAtLevel=1, thresholds x0.02)"}, {@code "tiered (C1 + C2)"} or
   * the like.
   */
  public static String describe() {
    String stop = option("TieredStopAtLevel");
    String tiered = option("TieredCompilation");
    if ("false".equals(tiered)) {
      return "C2 only (-XX:-TieredCompilation)";
    }
    double scaling = scaling();
    String thresholds = scaling == 1.0 ? "" : ", thresholds x" + scaling;
    if (stop != null && !stop.equals("4")) {
      return "C1 only (-XX:TieredStopAtLevel=" + stop + thresholds + ")";
    }
    return "tiered (C1 + C2" + thresholds + ")";
  }

  /** Milliseconds the JIT has spent compiling since the JVM started; -1 when not reported. */
  public static long compileMs() {
    CompilationMXBean c = ManagementFactory.getCompilationMXBean();
    return c != null && c.isCompilationTimeMonitoringSupported() ? c.getTotalCompilationTime() : -1;
  }

  /** {@code -XX:CompileThresholdScaling}: 1 unless the launcher lowered the thresholds. */
  private static double scaling() {
    String value = option("CompileThresholdScaling");
    try {
      return value == null ? 1.0 : Double.parseDouble(value);
    } catch (NumberFormatException e) {
      return 1.0;
    }
  }

  private static String option(String name) {
    try {
      return ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
          .getVMOption(name)
          .getValue();
    } catch (RuntimeException e) {
      return null;
    }
  }
}

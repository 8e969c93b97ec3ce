package dev.lumina.deploy.bench;

import dev.lumina.engine.parallel.ParallelDegrees;
import dev.lumina.engine.parallel.ShardTraffic;
import dev.lumina.training.bench.ForwardCase;
import java.util.ArrayList;
import java.util.List;

/**
 * A paper model of one guided sampling step (two rows: conditional and unconditional) of
 * Lumina-T2I's 5B Flag-DiT (dim 3072, 32 layers, 32 heads, FFN 8192, 128 caption tokens of width
 * 4096; flag-dit-spec §1) on 8 GPUs, per layout and link: compute = the step's FLOPs ({@link
 * ForwardCase#flops}) ÷ 8 ÷ an achieved bf16 rate; traffic = each rank's bytes in bf16 ({@link
 * ShardTraffic}) ÷ the link's one-way bandwidth, all of it on that link and none of it overlapped
 * with compute (an upper bound on the cost). Stateless.
 */
public final class CostModel {

  /**
   * Achieved bf16 rate per GPU: 40 % of the H100 SXM's 989 TFLOP/s dense bf16 peak (NVIDIA H100
   * datasheet), what large transformer layers typically sustain.
   */
  public static final double ACHIEVED_FLOPS = 0.4 * 989e12;

  /** A link and its one-way bandwidth in bytes/s. */
  public record Link(String name, double bytesPerSecond) {}

  /**
   * NVLink 4 (900 GB/s per H100 in both directions, 450 one way), InfiniBand NDR (400 Gb/s per
   * port), 25 and 10 Gigabit Ethernet.
   */
  public static final List<Link> PUBLISHED =
      List.of(
          new Link("NVLink4", 450e9),
          new Link("IB NDR", 50e9),
          new Link("25GbE", 25e9 / 8),
          new Link("10GbE", 10e9 / 8));

  /** The layouts of 8 ranks the model compares. */
  public static final List<ParallelDegrees> LAYOUTS =
      List.of(
          new ParallelDegrees(1, 8, 1),
          new ParallelDegrees(1, 1, 8),
          new ParallelDegrees(2, 4, 1),
          new ParallelDegrees(2, 1, 4),
          new ParallelDegrees(2, 2, 2));

  /**
   * One layout at one size on one link.
   *
   * @param tokens image tokens (4160 at 1024², 16512 at 2048²)
   * @param computeMs each rank's share of the step's compute
   * @param bytesPerRank what each rank sends in the step
   * @param trafficMs {@code bytesPerRank} over the link
   * @param efficiency {@code computeMs ÷ (computeMs + trafficMs)}
   */
  public record Row(
      String layout,
      int tokens,
      String link,
      double computeMs,
      long bytesPerRank,
      double trafficMs,
      double efficiency) {}

  private CostModel() {}

  /** Every layout at 1024² and 2048² on the published links and on {@code measured} (bytes/s). */
  public static List<Row> lumina5b(double measuredBytesPerSecond) {
    List<Link> links = new ArrayList<>(PUBLISHED);
    links.add(new Link("gRPC (measured)", measuredBytesPerSecond));
    List<Row> out = new ArrayList<>();
    for (int latentSide : new int[] {128, 256}) {
      ForwardCase step = new ForwardCase(3072, 32, 32, 2, latentSide, 128, 4096);
      double computeMs = step.flops() / 8 / ACHIEVED_FLOPS * 1e3;
      int tokens = step.tokens();
      long latentValues = 4L * latentSide * latentSide;
      for (ParallelDegrees d : LAYOUTS) {
        long bytes =
            ShardTraffic.of(d, d.cfg() == 2 ? 1 : 2, tokens, 3072, 3072, 32, latentValues, 2)
                .perForward(32);
        for (Link l : links) {
          double trafficMs = bytes / l.bytesPerSecond() * 1e3;
          out.add(
              new Row(
                  d.toString(),
                  tokens,
                  l.name(),
                  computeMs,
                  bytes,
                  trafficMs,
                  computeMs / (computeMs + trafficMs)));
        }
      }
    }
    return out;
  }
}

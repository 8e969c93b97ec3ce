package dev.lumina.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.engine.parallel.ParallelDegrees;
import dev.lumina.engine.parallel.ShardTraffic;
import dev.lumina.training.bench.ForwardCase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParallelBenchmarkTest {

  @Test
  void everyLayoutAgreesWithOneRankAndSendsExactlyItsFormula() throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    ParallelBenchmark.Report r =
        ParallelBenchmark.run(
            new ParallelBenchmark.Settings(ForwardCase.of(64, 4, 2, 2, 72), 1, 1, 1),
            new PrintStream(log, true, StandardCharsets.UTF_8));
    assertThat(r.grpcMBps()).isPositive();
    assertThat(r.layouts()).hasSize(ParallelBenchmark.LAYOUTS.size() + 1);
    for (ParallelBenchmark.LayoutRow row : r.layouts()) {
      assertThat(row.bytesMatch()).as(row.toString()).isTrue();
      assertThat(row.figures().relError()).as(row.layout()).isLessThan(1e-5);
      assertThat(row.figures().ms()).isPositive();
      assertThat(row.activationBytes()).isPositive();
    }
    // Ulysses and Ring traffic are really there (not two zeros that match).
    assertThat(r.layouts().get(2).figures().ulyssesPerLayer()).isPositive();
    assertThat(r.layouts().get(3).figures().ringPerLayer()).isPositive();
    // Splitting the sequence over more ranks leaves each rank fewer activations.
    assertThat(r.layouts().get(4).activationBytes())
        .isLessThan(r.layouts().get(0).activationBytes());
    assertThat(r.layouts().get(6).transport()).isEqualTo("gRPC");
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("gRPC transport on loopback");
  }

  @Test
  void theFormulasAreThePublishedOnes() {
    // Ulysses: 4·B·(S/N)·D·b·(N−1)/N per rank per layer (B 2, S 4160, D 3072, bf16, N 8).
    ShardTraffic u = ShardTraffic.of(new ParallelDegrees(1, 8, 1), 2, 4160, 3072, 3072, 32, 0, 2);
    assertThat(u.ulyssesPerLayer()).isEqualTo(4L * 2 * 520 * 3072 * 2 * 7 / 8);
    // Ring: 2·B·(N−1)·(S/N)·D·b.
    ShardTraffic ring =
        ShardTraffic.of(new ParallelDegrees(1, 1, 8), 2, 4160, 3072, 3072, 32, 0, 2);
    assertThat(ring.ringPerLayer()).isEqualTo(2L * 2 * 7 * 520 * 3072 * 2);
    assertThat(ring.ulyssesPerLayer()).isZero();
  }

  @Test
  void theCostModelRanksLinksAndLayoutsAsBandwidthSays() {
    List<CostModel.Row> rows = CostModel.lumina5b(226e6);
    assertThat(rows).hasSize(2 * CostModel.LAYOUTS.size() * (CostModel.PUBLISHED.size() + 1));
    CostModel.Row nvlink = find(rows, "cfg=1,ulysses=8,ring=1", 4160, "NVLink4");
    CostModel.Row ib = find(rows, "cfg=1,ulysses=8,ring=1", 4160, "IB NDR");
    CostModel.Row ringNv = find(rows, "cfg=1,ulysses=1,ring=8", 4160, "NVLink4");
    assertThat(nvlink.efficiency()).isGreaterThan(ib.efficiency());
    // Ring sends 4× Ulysses' bytes at N = 8: 2·(N−1) against 4·(N−1)/N per token share.
    assertThat((double) ringNv.bytesPerRank() / nvlink.bytesPerRank()).isBetween(3.9, 4.1);
    // The step's compute per rank is the same for every layout.
    assertThat(ringNv.computeMs()).isEqualTo(nvlink.computeMs());
  }

  private static CostModel.Row find(
      List<CostModel.Row> rows, String layout, int tokens, String link) {
    return rows.stream()
        .filter(r -> r.layout().equals(layout) && r.tokens() == tokens && r.link().equals(link))
        .findFirst()
        .orElseThrow();
  }
}

package dev.lumina.training.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelBenchmarkTest {

  @Test
  void aTinyRunReportsEveryCaseAgainstTheMeasuredMatmulRate() {
    ForwardCase tiny = new ForwardCase(64, 2, 2, 2, 8, 4, 32);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    BenchmarkReport report =
        ModelBenchmark.run(
            new ModelBenchmark.Settings(1, 3, 128, 3, 1L, List.of(tiny)),
            "cpu",
            new PrintStream(log, true, StandardCharsets.UTF_8));
    assertThat(report.matmulGflops()).isPositive();
    assertThat(report.rows()).hasSize(1);
    BenchmarkReport.Row row = report.rows().get(0);
    assertThat(row.msPerForward()).isPositive();
    assertThat(row.ratio()).isCloseTo(row.gflops() / row.matmulGflops(), within(1e-9));
    assertThat(report.table()).contains("d64/h2/L2 B2").contains("20").contains("GFLOP/s");
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("attention kernel: TorchScriptSdpa");
  }

  @Test
  void flopsCountTheProjectionsAttentionAndFfnOfTheConfig() {
    ForwardCase c = ForwardCase.of(384, 6, 8, 2, 1056);
    assertThat(c.latentSide()).isEqualTo(64);
    assertThat(c.config().ffnHiddenDim()).isEqualTo(1024);
    double n = 1056;
    double perLayerCore =
        2 * 2 * n * 384 * 384 * 4 + 2 * 2 * 2 * n * n * 384 + 2 * 2 * n * 384 * 1024 * 3;
    assertThat(c.flops()).isBetween(8 * perLayerCore, 8 * perLayerCore * 1.05);
    assertThat(ForwardCase.of(384, 6, 8, 2, 272).latentSide()).isEqualTo(32);
    assertThatThrownBy(() -> ForwardCase.of(384, 6, 8, 2, 1000))
        .hasMessageContaining("tokens must be g·(g+1)");
    assertThatThrownBy(() -> new ModelBenchmark.Settings(0, 0, 2048, 1, 1, List.of()))
        .hasMessageContaining("reps must be >= 1");
  }

  private static org.assertj.core.data.Offset<Double> within(double d) {
    return org.assertj.core.data.Offset.offset(d);
  }
}

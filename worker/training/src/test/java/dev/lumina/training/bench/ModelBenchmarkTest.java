package dev.lumina.training.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.engine.Engines;
import dev.lumina.engine.RandomModel;
import dev.lumina.engine.model.EngineKind;
import dev.lumina.engine.model.Precision;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelBenchmarkTest {

  @TempDir Path tmp;

  @Test
  void aTinyRunReportsEveryEngineModeAgainstTheMeasuredMatmulRates() {
    ForwardCase tiny = new ForwardCase(64, 2, 2, 2, 8, 4, 32);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    BenchmarkReport report =
        ModelBenchmark.run(
            new ModelBenchmark.Settings(1, 3, 128, 3, 1L, List.of(tiny)),
            "cpu",
            new PrintStream(log, true, StandardCharsets.UTF_8));
    assertThat(report.matmulGflops()).isPositive();
    assertThat(report.bf16MatmulGflops()).isPositive();
    assertThat(report.rows())
        .extracting(BenchmarkReport.Row::mode)
        .containsExactly("eager fp32", "compiled fp32", "compiled bf16");
    BenchmarkReport.Row eager = report.rows().get(0);
    BenchmarkReport.Row compiled = report.rows().get(1);
    BenchmarkReport.Row bf16 = report.rows().get(2);
    assertThat(eager.speedup()).isEqualTo(1.0);
    assertThat(eager.relError()).isZero();
    assertThat(compiled.relError()).isLessThan(1e-4);
    // bf16 differs from fp32 by rounding, visibly but a little.
    assertThat(bf16.relError()).isGreaterThan(1e-5).isLessThan(5e-2);
    assertThat(bf16.weightBytes()).isLessThan(eager.weightBytes() * 6 / 10);
    assertThat(compiled.weightBytes()).isEqualTo(eager.weightBytes());
    for (BenchmarkReport.Row r : report.rows()) {
      assertThat(r.msPerForward()).isPositive();
      assertThat(r.ratio()).isCloseTo(r.gflops() / r.matmulGflops(), within(1e-9));
    }
    assertThat(report.table()).contains("d64/h2/L2 B2").contains("compiled bf16").contains("bf16");
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("attention kernel: TorchScriptSdpa");
  }

  @Test
  void theSamplingPhaseTimesARealModelInEveryModeAndRestoresTheEngineSettings() throws Exception {
    Path model = RandomModel.write(tmp.resolve("m"), List.of("a red circle"), false, 1, 2);
    List<BenchmarkReport.SamplingRow> rows =
        ModelBenchmark.sampling(model, 8, 3, 1, new PrintStream(new ByteArrayOutputStream()));
    assertThat(rows)
        .extracting(BenchmarkReport.SamplingRow::mode)
        .containsExactly("eager fp32", "compiled fp32", "compiled bf16");
    assertThat(rows).allSatisfy(r -> assertThat(r.sampleMs()).isPositive());
    assertThat(rows.get(2).weightBytes()).isLessThan(rows.get(0).weightBytes());
    assertThat(Engines.engine()).isEqualTo(EngineKind.COMPILED);
    assertThat(Engines.precision()).isEqualTo(Precision.FP32);
  }

  @Test
  void theDecodePhaseTimesTheVaePerOpAndCompiledOnTheSameLatents() {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    List<BenchmarkReport.DecodeRow> rows =
        DecodeBenchmark.run(4, 2, "cpu", 3L, new PrintStream(log, true, StandardCharsets.UTF_8));
    assertThat(rows)
        .extracting(BenchmarkReport.DecodeRow::mode)
        .containsExactly("eager fp32", "compiled fp32");
    assertThat(rows.get(0).label()).isEqualTo("vae/4 32x32");
    assertThat(rows.get(0).speedup()).isEqualTo(1.0);
    assertThat(rows.get(0).relError()).isZero();
    assertThat(rows.get(1).relError()).as("compiled against per op").isLessThan(1e-4);
    assertThat(rows).allSatisfy(r -> assertThat(r.ms()).isPositive());
    BenchmarkReport report =
        new BenchmarkReport("cpu", 2, 128, 1.0, 1.0, List.of(), List.of(), List.of())
            .withDecoding(rows);
    assertThat(report.table()).contains("VAE decode").contains("vae/4 32x32");
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

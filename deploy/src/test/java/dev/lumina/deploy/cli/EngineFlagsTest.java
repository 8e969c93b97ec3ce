package dev.lumina.deploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.engine.Engines;
import dev.lumina.engine.model.EngineKind;
import dev.lumina.engine.model.Precision;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad {@code --engine}/{@code --dtype} values stop every command that loads a Flag-DiT with exit
 * code 2, naming the flag and what it takes, and leave the process's engine settings alone.
 */
class EngineFlagsTest {
  @TempDir Path tmp;

  @Test
  void anUnknownEngineIsNamedByEveryCommandThatLoadsAModel() {
    String[][] commands = {
      {"model", "verify", "--dir", tmp.toString(), "--engine", "jit"},
      {"bench", "model", "--engine", "jit"},
      {"demo", "--engine", "jit", "a red circle"},
      {"serve", "--engine", "jit", "--data-dir", tmp.toString()},
      {"worker", "--engine", "jit", "--model", tmp.toString(), "--kafka", "127.0.0.1:1"},
      {"eval", "--engine", "jit"},
    };
    for (String[] args : commands) {
      CliRun r = CliRun.of(args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.err())
          .as(String.join(" ", args))
          .contains("--engine must be compiled or eager, got 'jit'");
    }
    assertThat(Engines.engine()).isEqualTo(EngineKind.COMPILED);
  }

  @Test
  void bf16OnTheEagerEngineIsRefusedNamingBothFlags() {
    CliRun r =
        CliRun.of(
            "model", "verify", "--dir", tmp.toString(), "--engine", "eager", "--dtype", "bf16");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--dtype bf16 needs --engine compiled");
    CliRun fp16 = CliRun.of("bench", "model", "--dtype", "fp16");
    assertThat(fp16.code()).isEqualTo(2);
    assertThat(fp16.err()).contains("--dtype must be fp32 or bf16, got 'fp16'");
    assertThat(Engines.engine()).isEqualTo(EngineKind.COMPILED);
    assertThat(Engines.precision()).isEqualTo(Precision.FP32);
  }
}

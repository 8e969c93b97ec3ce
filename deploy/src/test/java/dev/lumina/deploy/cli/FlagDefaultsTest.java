package dev.lumina.deploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.deploy.kafka.EmbeddedKafkaConfig;
import dev.lumina.gateway.GatewayConfig;
import dev.lumina.scheduler.SchedulerConfig;
import dev.lumina.worker.WorkerConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The roles' flags default to the values their config records declare, so the two never drift
 * apart.
 */
class FlagDefaultsTest {

  @Test
  void workerFlagsDefaultToTheWorkerConfigConstants() {
    WorkerCommand w = new WorkerCommand();
    new CommandLine(w).parseArgs("--model", "some-model");
    assertThat(w.kafka).isEqualTo(EmbeddedKafkaConfig.DEFAULT_BOOTSTRAP);
    assertThat(w.group).isEqualTo(WorkerConfig.DEFAULT_GROUP_ID);
    assertThat(w.drainSeconds).isEqualTo(WorkerConfig.DEFAULT_DRAIN_TIMEOUT_SECONDS);
    // Step batching is on by default: jobs run together, up to 8 and 8192 tokens per forward.
    assertThat(w.batching.maxBatch).isEqualTo(BatchingOptions.DEFAULT_MAX_JOBS).isEqualTo(8);
    assertThat(w.batching.batchTokens)
        .isEqualTo(BatchingOptions.DEFAULT_BATCH_TOKENS)
        .isEqualTo(8192);
    assertThat(w.sessionTimeoutSeconds).isEqualTo(WorkerConfig.DEFAULT_SESSION_TIMEOUT_SECONDS);
  }

  @Test
  void gatewayFlagsDefaultToTheGatewayConfigConstants() {
    GatewayCommand g = new GatewayCommand();
    new CommandLine(g).parseArgs();
    assertThat(g.host).isEqualTo(GatewayConfig.DEFAULT_BIND_HOST);
    assertThat(g.port).isEqualTo(GatewayConfig.DEFAULT_PORT);
    assertThat(g.chunkSinkPort).isEqualTo(GatewayConfig.DEFAULT_CHUNK_SINK_PORT);
    assertThat(g.maxMessageBytes).isEqualTo(GatewayConfig.DEFAULT_MAX_INBOUND_BYTES);
    assertThat(g.allowAnonymous).as("keys are required unless asked otherwise").isFalse();
  }

  @Test
  void schedulerAndBenchFlagsDefaultToTheirConfigConstants() {
    SchedulerCommand s = new SchedulerCommand();
    new CommandLine(s).parseArgs();
    assertThat(s.releaseWindow).isEqualTo(SchedulerConfig.DEFAULT_RELEASE_WINDOW);
    assertThat(s.instance).isEqualTo(SchedulerConfig.DEFAULT_INSTANCE);
    BenchClusterCommand b = new BenchClusterCommand();
    new CommandLine(b).parseArgs();
    assertThat(b.releaseWindow).isEqualTo(SchedulerConfig.DEFAULT_RELEASE_WINDOW);
    assertThat(b.workerPollMs).isEqualTo(WorkerConfig.DEFAULT_POLL_TIMEOUT_MS);
    // The in-process worker batches as `lumina serve` does.
    assertThat(b.batching.maxBatch).isEqualTo(BatchingOptions.DEFAULT_MAX_JOBS);
    assertThat(b.batching.batchTokens).isEqualTo(BatchingOptions.DEFAULT_BATCH_TOKENS);
  }
}

package dev.lumina.it.worker;

import dev.lumina.artifacts.FileSystemArtifactStore;
import dev.lumina.deploy.grpc.GrpcServerFactory;
import dev.lumina.deploy.kafka.EmbeddedKafka;
import dev.lumina.deploy.kafka.EmbeddedKafkaConfig;
import dev.lumina.gateway.GatewayConfig;
import dev.lumina.gateway.GatewayServer;
import dev.lumina.proto.Topics;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.WatchRequest;
import dev.lumina.scheduler.SchedulerConfig;
import dev.lumina.scheduler.SchedulerServer;
import dev.lumina.worker.WorkerConfig;
import dev.lumina.worker.WorkerServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * How much later a chunk reaches a watcher on another gateway (through {@code lumina.chunks}) than
 * the client on the accepting gateway (through the worker's {@code ChunkSink} call), measured in
 * one process on one broker with a model that costs nothing. Not a test: run it by hand, e.g.
 * {@code java -cp <integration-tests test classpath> dev.lumina.it.worker.AnyGatewayBenchmark 50}
 * (jobs).
 */
public final class AnyGatewayBenchmark {
  private AnyGatewayBenchmark() {}

  public static void main(String[] args) throws Exception {
    int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    int steps = 8;
    Path tmp = Files.createTempDirectory("lumina-any-gateway-bench");
    List<AutoCloseable> open = new ArrayList<>();
    try {
      EmbeddedKafka kafka = new EmbeddedKafka(EmbeddedKafkaConfig.ephemeral(tmp.resolve("kafka")));
      kafka.start();
      open.add(kafka);
      String bootstrap = kafka.bootstrapServers();
      FileSystemArtifactStore store = new FileSystemArtifactStore(tmp.resolve("artifacts"));
      open.add(0, SchedulerServer.start(SchedulerConfig.builder(bootstrap).build()));
      open.add(
          0,
          new WorkerServer(
                  WorkerConfig.builder(
                          bootstrap, List.of(Topics.work(Modality.IMAGE, "s")), "bench-worker")
                      .build(),
                  new ScriptedJobExecutor(store, steps))
              .start());
      GatewayConfig config =
          GatewayConfig.local(bootstrap).toBuilder()
              .staticModels(List.of(AnyGatewayTest.card()))
              .artifacts(store)
              .build();
      GatewayServer a = GatewayServer.start(config, GrpcServerFactory.gatewayHost());
      open.add(0, a);
      GatewayServer b = GatewayServer.start(config, GrpcServerFactory.gatewayHost());
      open.add(0, b);
      ManagedChannel ca =
          NettyChannelBuilder.forAddress("127.0.0.1", a.port()).usePlaintext().build();
      ManagedChannel cb =
          NettyChannelBuilder.forAddress("127.0.0.1", b.port()).usePlaintext().build();
      List<Double> lagMs = new ArrayList<>();
      for (int i = 0; i < jobs + 5; i++) {
        Iterator<GenerationChunk> owner =
            GenerationGrpc.newBlockingStub(ca)
                .generate(GenerateRequest.newBuilder().setPrompt("bench " + i).build());
        String jobId = owner.next().getJobId();
        CompletableFuture<Map<Long, Long>> other =
            CompletableFuture.supplyAsync(
                () -> {
                  Map<Long, Long> at = new HashMap<>();
                  GenerationGrpc.newBlockingStub(cb)
                      .watch(WatchRequest.newBuilder().setJobId(jobId).build())
                      .forEachRemaining(c -> at.put(c.getSeq(), System.nanoTime()));
                  return at;
                });
        Map<Long, Long> ownerAt = new HashMap<>();
        owner.forEachRemaining(c -> ownerAt.put(c.getSeq(), System.nanoTime()));
        Map<Long, Long> otherAt = other.get();
        if (i < 5) {
          continue; // warm-up
        }
        for (Map.Entry<Long, Long> e : ownerAt.entrySet()) {
          Long t = otherAt.get(e.getKey());
          if (t != null && e.getKey() > 1) {
            lagMs.add((t - e.getValue()) / 1e6);
          }
        }
      }
      ca.shutdownNow();
      cb.shutdownNow();
      Collections.sort(lagMs);
      System.out.printf(
          "chunks %d over %d jobs: other gateway minus accepting gateway, ms: p50 %.2f  p90 %.2f"
              + "  p99 %.2f  max %.2f%n",
          lagMs.size(),
          jobs,
          pct(lagMs, 0.50),
          pct(lagMs, 0.90),
          pct(lagMs, 0.99),
          lagMs.get(lagMs.size() - 1));
    } finally {
      for (AutoCloseable c : open) {
        c.close();
      }
    }
  }

  private static double pct(List<Double> sorted, double p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(p * sorted.size())));
  }
}

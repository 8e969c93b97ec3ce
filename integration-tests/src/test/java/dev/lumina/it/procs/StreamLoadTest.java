package dev.lumina.it.procs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.proto.v1.WatchRequest;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 300 client streams for 60 s against a gateway process — 100 generating small jobs one after
 * another, 200 watching finished jobs from the start again and again, a third of all of them slow
 * readers that take one chunk every 50 ms: every stream ends OK, and the gateway's resident memory
 * stays within {@value #RSS_GROWTH_BOUND_MIB} MiB of what it had before the load (its heap is 192
 * MiB).
 */
@Tag("processes")
class StreamLoadTest {
  private static final int GENERATORS = 100;
  private static final int WATCHERS = 200;
  private static final Duration RUN = Duration.ofSeconds(60);
  private static final long SLOW_READ_MS = 50;

  /**
   * Measured: +25 MiB under this load (179 to 205 MiB); the bound leaves room for the heap (192 MiB
   * max) to fill before a collection.
   */
  private static final long RSS_GROWTH_BOUND_MIB = 160;

  private static ClusterProcesses cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    Path dir =
        Path.of(System.getProperty("lumina.it.procs.dir", "target/procs"))
            .resolve("load-" + ProcessHandle.current().pid())
            .toAbsolutePath();
    cluster = ClusterProcesses.start(dir, 1, 1);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static long rssKib(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS for " + pid);
  }

  private static GenerateRequest request(String id) {
    return GenerateRequest.newBuilder()
        .setRequestId(id)
        .setPrompt("a red square on a blue field")
        .setSampling(Sampling.newBuilder().setSteps(2).setSeed(3))
        .build();
  }

  /** One stream at a time per client, reopened until the run's end; reads slowly if asked. */
  private final class Client {
    final boolean slow;
    final boolean watcher;
    final int id;
    int round;

    Client(int id, boolean watcher, boolean slow) {
      this.id = id;
      this.watcher = watcher;
      this.slow = slow;
    }

    void next() {
      if (System.nanoTime() >= endNanos) {
        finished.countDown();
        return;
      }
      long opened = System.nanoTime();
      ClientResponseObserver<Object, GenerationChunk> obs =
          new ClientResponseObserver<>() {
            ClientCallStreamObserver<Object> call;
            boolean first = true;

            @Override
            public void beforeStart(ClientCallStreamObserver<Object> c) {
              call = c;
              if (slow) {
                c.disableAutoRequestWithInitial(1);
              }
            }

            @Override
            public void onNext(GenerationChunk chunk) {
              if (first) {
                first = false;
                (watcher ? watchFirstChunkMicros : firstChunkMicros)
                    .add((System.nanoTime() - opened) / 1000);
              }
              chunks.incrementAndGet();
              if (slow) {
                timer.schedule(() -> call.request(1), SLOW_READ_MS, TimeUnit.MILLISECONDS);
              }
            }

            @Override
            public void onError(Throwable t) {
              Status s = Status.fromThrowable(t);
              failures.merge(s.getCode().name() + ": " + s.getDescription(), 1, Integer::sum);
              next();
            }

            @Override
            public void onCompleted() {
              streams.incrementAndGet();
              next();
            }
          };
      @SuppressWarnings({"unchecked", "rawtypes"})
      ClientResponseObserver<WatchRequest, GenerationChunk> watchObs = (ClientResponseObserver) obs;
      @SuppressWarnings({"unchecked", "rawtypes"})
      ClientResponseObserver<GenerateRequest, GenerationChunk> genObs =
          (ClientResponseObserver) obs;
      GenerationGrpc.GenerationStub stub =
          GenerationGrpc.newStub(cluster.gateway(0)).withDeadlineAfter(120, TimeUnit.SECONDS);
      if (watcher) {
        String job = finishedJobs.get(ThreadLocalRandom.current().nextInt(finishedJobs.size()));
        stub.watch(WatchRequest.newBuilder().setJobId(job).build(), watchObs);
      } else {
        stub.generate(request("load-" + id + "-" + (round++)), genObs);
      }
    }
  }

  private final List<String> finishedJobs = new ArrayList<>();
  private final List<Long> firstChunkMicros = Collections.synchronizedList(new ArrayList<>());
  private final List<Long> watchFirstChunkMicros = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();
  private final AtomicInteger streams = new AtomicInteger();
  private final AtomicLong chunks = new AtomicLong();
  private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
  private CountDownLatch finished;
  private long endNanos;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void threeHundredStreamsWithSlowReadersAllEndOkWithinAMemoryBound() throws Exception {
    GenerationGrpc.GenerationBlockingStub blocking =
        GenerationGrpc.newBlockingStub(cluster.gateway(0)).withDeadlineAfter(60, TimeUnit.SECONDS);
    for (int i = 0; i < 5; i++) {
      List<GenerationChunk> all = new ArrayList<>();
      blocking.generate(request("load-seed-" + i)).forEachRemaining(all::add);
      assertThat(all.get(all.size() - 1).hasCompleted()).isTrue();
      finishedJobs.add(all.get(0).getJobId());
    }
    long pid = cluster.gatewayPid(0);
    long before = rssKib(pid);
    long max = before;
    finished = new CountDownLatch(GENERATORS + WATCHERS);
    endNanos = System.nanoTime() + RUN.toNanos();
    for (int i = 0; i < GENERATORS + WATCHERS; i++) {
      new Client(i, i >= GENERATORS, i % 3 == 0).next();
    }
    while (!finished.await(1, TimeUnit.SECONDS)) {
      max = Math.max(max, rssKib(pid));
      assertThat(System.nanoTime() - endNanos)
          .as("streams still open 90 s after the run")
          .isLessThan(Duration.ofSeconds(90).toNanos());
    }
    max = Math.max(max, rssKib(pid));
    timer.shutdownNow();

    List<Long> ttfc = new ArrayList<>(firstChunkMicros);
    Collections.sort(ttfc);
    List<Long> wttfc = new ArrayList<>(watchFirstChunkMicros);
    Collections.sort(wttfc);
    System.out.printf(
        "300 streams (100 generating, 200 watching, 1/3 slow) for %d s: %d streams ended OK, %d"
            + " chunks; time to first chunk: Generate p50 %.1f ms, p99 %.1f ms (%d jobs), Watch p50"
            + " %.1f ms, p99 %.1f ms; gateway RSS %d MiB before, max %d MiB (+%d MiB); failures"
            + " %s%n",
        RUN.toSeconds(),
        streams.get(),
        chunks.get(),
        ttfc.get(ttfc.size() / 2) / 1000.0,
        ttfc.get((int) (ttfc.size() * 0.99)) / 1000.0,
        ttfc.size(),
        wttfc.get(wttfc.size() / 2) / 1000.0,
        wttfc.get((int) (wttfc.size() * 0.99)) / 1000.0,
        before / 1024,
        max / 1024,
        (max - before) / 1024,
        failures);
    assertThat(failures).as("streams that did not end OK").isEmpty();
    assertThat(streams.get()).isGreaterThan(GENERATORS + WATCHERS);
    assertThat((max - before) / 1024)
        .as("gateway RSS growth, MiB")
        .isLessThanOrEqualTo(RSS_GROWTH_BOUND_MIB);
  }
}

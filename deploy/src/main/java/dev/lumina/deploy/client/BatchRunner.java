package dev.lumina.deploy.client;

import dev.lumina.proto.Outputs;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.Job;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.Timings;
import dev.lumina.proto.v1.WatchRequest;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code lumina batch}: runs every line of a JSON-lines file of requests with at most {@code
 * concurrency} jobs in flight (Submit, then Watch to the end), writes each line's outputs as {@code
 * NNNNN-<kind>-<index>.<ext>} and one {@link BatchResult} per line to {@code results.jsonl}, and
 * draws one progress line over the whole batch on stderr.
 *
 * <p>Resumable: a line whose result is already SUCCEEDED (and whose files are there) is skipped;
 * every other line is sent again with the same request id, which the gateway answers with the job
 * it already has (re-attaching to a running one) instead of generating twice. Failures of single
 * lines are recorded, not fatal.
 */
public final class BatchRunner {
  private static final int MAX_INBOUND_BYTES = 64 * 1024 * 1024;

  /** What a batch came to. */
  public record Summary(int lines, int skipped, int succeeded, int failed) {
    /** 0 when every line succeeded, 3 when some failed. */
    public int exitCode() {
      return failed == 0 ? 0 : 3;
    }
  }

  private final String server;
  private final String apiKey;
  private final int concurrency;
  private final long timeoutSeconds;
  private final PrintWriter stderr;
  private final boolean terminal;
  private final ChannelCredentials credentials;
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger succeeded = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();

  /**
   * @param server gateway {@code HOST:PORT}
   * @param apiKey sent as {@code x-api-key} when not null or empty
   * @param concurrency most jobs in flight, at least 1
   * @param timeoutSeconds longest wait for one line's job
   * @param terminal whether stderr is a terminal (the progress line is then redrawn in place)
   */
  public BatchRunner(
      String server,
      String apiKey,
      int concurrency,
      long timeoutSeconds,
      PrintWriter stderr,
      boolean terminal) {
    this(
        server,
        apiKey,
        concurrency,
        timeoutSeconds,
        stderr,
        terminal,
        InsecureChannelCredentials.create());
  }

  /**
   * As above, the channel to the gateway secured by {@code credentials} ({@code
   * InsecureChannelCredentials} for plaintext, or TLS credentials).
   */
  public BatchRunner(
      String server,
      String apiKey,
      int concurrency,
      long timeoutSeconds,
      PrintWriter stderr,
      boolean terminal,
      ChannelCredentials credentials) {
    if (concurrency < 1) {
      throw new IllegalArgumentException("--concurrency must be >= 1, got " + concurrency);
    }
    this.server = server;
    this.apiKey = apiKey;
    this.concurrency = concurrency;
    this.timeoutSeconds = timeoutSeconds;
    this.stderr = stderr;
    this.terminal = terminal;
    this.credentials = credentials;
  }

  /** Runs the batch in {@code prompts}, writing under {@code out} (created if missing). */
  public Summary run(Path prompts, Path out) throws IOException, InterruptedException {
    List<BatchLine> lines = new ArrayList<>();
    List<String> text = Files.readAllLines(prompts, StandardCharsets.UTF_8);
    for (int i = 0; i < text.size(); i++) {
      if (!text.get(i).isBlank()) {
        lines.add(BatchLine.parse(i + 1, text.get(i)));
      }
    }
    Files.createDirectories(out);
    Map<Integer, BatchResult> results = new LinkedHashMap<>(BatchResult.read(out));
    List<BatchLine> todo = new ArrayList<>();
    for (BatchLine l : lines) {
      BatchResult r = results.get(l.number());
      if (r == null || !r.complete(out)) {
        todo.add(l);
      }
    }
    int skipped = lines.size() - todo.size();
    long started = System.nanoTime();
    ManagedChannel channel =
        Grpc.newChannelBuilder(server, credentials)
            .maxInboundMessageSize(MAX_INBOUND_BYTES)
            .build();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    try (Writer log =
        Files.newBufferedWriter(
            out.resolve(BatchResult.FILE),
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND)) {
      List<Future<?>> jobs = new ArrayList<>();
      for (BatchLine l : todo) {
        jobs.add(
            pool.submit(
                () -> {
                  running.incrementAndGet();
                  BatchResult r = runLine(stub(channel), l, out);
                  running.decrementAndGet();
                  (r.succeeded() ? succeeded : failed).incrementAndGet();
                  synchronized (log) {
                    results.put(l.number(), r);
                    try {
                      log.write(r.toJson() + "\n");
                      log.flush();
                    } catch (IOException e) {
                      stderr.println("lumina batch: cannot append to results.jsonl: " + e);
                    }
                    progress(todo.size(), started, false);
                  }
                  return null;
                }));
      }
      for (Future<?> f : jobs) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          throw new IllegalStateException("batch line crashed", e.getCause());
        }
      }
    } finally {
      pool.shutdownNow();
      channel.shutdownNow();
    }
    progress(todo.size(), started, true);
    rewriteInOrder(out, lines, results);
    Summary s = new Summary(lines.size(), skipped, succeeded.get(), failed.get());
    stderr.printf(
        Locale.ROOT,
        "lumina batch: %d lines: %d skipped (done before), %d succeeded, %d failed%n",
        s.lines(),
        s.skipped(),
        s.succeeded(),
        s.failed());
    stderr.flush();
    return s;
  }

  private GenerationGrpc.GenerationBlockingStub stub(ManagedChannel channel) {
    GenerationGrpc.GenerationBlockingStub stub =
        GenerationGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS);
    if (apiKey != null && !apiKey.isEmpty()) {
      Metadata h = new Metadata();
      h.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), apiKey);
      stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
    }
    return stub;
  }

  /** Submits one line's request and follows its job to the end, writing its outputs. */
  private BatchResult runLine(GenerationGrpc.GenerationBlockingStub stub, BatchLine l, Path out) {
    if (l.error() != null) {
      return new BatchResult(l.number(), "", "", "INVALID", List.of(), "", Map.of(), l.error());
    }
    String requestId = l.request().getRequestId();
    Job job;
    try {
      job = stub.submit(l.request());
    } catch (StatusRuntimeException e) {
      return new BatchResult(
          l.number(),
          requestId,
          "",
          "REFUSED",
          List.of(),
          "",
          Map.of(),
          e.getStatus().getCode() + ": " + e.getStatus().getDescription());
    }
    Modality modality = job.getModality();
    OutputFiles files = new OutputFiles(out);
    String prefix = l.filePrefix();
    try {
      var chunks = stub.watch(WatchRequest.newBuilder().setJobId(job.getJobId()).build());
      while (chunks.hasNext()) {
        GenerationChunk c = chunks.next();
        switch (c.getPayloadCase()) {
          case FRAME ->
              files.write(
                  name(prefix, modality, c.getFrame().getIndex(), "png"),
                  c.getFrame().getData().toByteArray());
          case TILE -> files.tile(c.getTile());
          case AUDIO ->
              files.write(
                  name(prefix, modality, c.getAudio().getIndex(), "wav"),
                  c.getAudio().getData().toByteArray());
          case COMPLETED -> {
            files.flushTiles(i -> name(prefix, modality, i, "png"));
            return new BatchResult(
                l.number(),
                requestId,
                job.getJobId(),
                "SUCCEEDED",
                files.written().stream().map(p -> p.getFileName().toString()).toList(),
                Long.toUnsignedString(c.getCompleted().getSeed()),
                timings(c.getCompleted().getTimings()),
                "");
          }
          case FAILED -> {
            return new BatchResult(
                l.number(),
                requestId,
                job.getJobId(),
                stateOf(c.getFailed().getCode()),
                List.of(),
                "",
                Map.of(),
                c.getFailed().getCode() + ": " + c.getFailed().getMessage());
          }
          default -> {}
        }
      }
      return new BatchResult(
          l.number(),
          requestId,
          job.getJobId(),
          "FAILED",
          List.of(),
          "",
          Map.of(),
          "stream ended early");
    } catch (StatusRuntimeException e) {
      return new BatchResult(
          l.number(),
          requestId,
          job.getJobId(),
          "FAILED",
          List.of(),
          "",
          Map.of(),
          e.getStatus().getCode() + ": " + e.getStatus().getDescription());
    } catch (IOException e) {
      return new BatchResult(
          l.number(),
          requestId,
          job.getJobId(),
          "FAILED",
          List.of(),
          "",
          Map.of(),
          "cannot write outputs: " + e.getMessage());
    }
  }

  private static String stateOf(String code) {
    return switch (code) {
      case "CANCELLED" -> "CANCELLED";
      case "DEADLINE_EXCEEDED" -> "EXPIRED";
      default -> "FAILED";
    };
  }

  private static Map<String, Long> timings(Timings t) {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("queued_ms", t.getQueuedMs());
    m.put("model_ms", t.getModelMs());
    m.put("decode_ms", t.getDecodeMs());
    m.put("total_ms", t.getTotalMs());
    return m;
  }

  static String name(String prefix, Modality modality, int index, String ext) {
    return prefix + "-" + Outputs.fileName(modality, index, ext);
  }

  /** One line over the whole batch: done, failed, running, rate and ETA. */
  private void progress(int total, long startedNanos, boolean last) {
    int done = succeeded.get() + failed.get();
    double seconds = Math.max(1e-3, (System.nanoTime() - startedNanos) / 1e9);
    double rate = done / seconds;
    String eta = rate > 0 ? String.format(Locale.ROOT, "%.0fs", (total - done) / rate) : "?";
    String line =
        String.format(
            Locale.ROOT,
            "batch %d/%d done (%d failed), %d running, %.2f jobs/s, ETA %s",
            done,
            total,
            failed.get(),
            running.get(),
            rate,
            eta);
    if (terminal) {
      stderr.print("\r" + line + (last ? "\n" : ""));
    } else {
      stderr.println(line);
    }
    stderr.flush();
  }

  /** Rewrites {@code results.jsonl} with one record per input line, in input order. */
  private static void rewriteInOrder(
      Path out, List<BatchLine> lines, Map<Integer, BatchResult> results) throws IOException {
    StringBuilder b = new StringBuilder();
    for (BatchLine l : lines) {
      BatchResult r = results.get(l.number());
      if (r != null) {
        b.append(r.toJson()).append('\n');
      }
    }
    Path tmp = Files.createTempFile(out, ".results.", ".tmp");
    Files.writeString(tmp, b.toString(), StandardCharsets.UTF_8);
    Files.move(
        tmp,
        out.resolve(BatchResult.FILE),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }
}

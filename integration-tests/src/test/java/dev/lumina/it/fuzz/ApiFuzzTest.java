package dev.lumina.it.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.lumina.deploy.bench.BenchModelDir;
import dev.lumina.deploy.cluster.ClusterSettings;
import dev.lumina.deploy.cluster.EmbeddedCluster;
import dev.lumina.it.fuzz.FuzzArbitraries.Case;
import dev.lumina.it.fuzz.RawCalls.Outcome;
import dev.lumina.it.fuzz.RawCalls.Rpc;
import dev.lumina.proto.Topics;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.GetJobRequest;
import dev.lumina.proto.v1.Job;
import dev.lumina.proto.v1.JobState;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.BeforeProperty;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Fuzzes every method of {@code lumina.v1.Generation} and {@code lumina.v1.Models} on one embedded
 * cluster (real broker, real gRPC on loopback, the tiny bench model): about 10 000 requests with
 * arbitrary text, out-of-range numbers and enum values, requests that break one documented limit, a
 * few valid ones, and raw bytes (random, truncated, bit-flipped, or with a string field that is not
 * UTF-8).
 *
 * <p>Each property sends its requests in concurrent batches (lookups of unknown jobs wait for the
 * gateway's lookup window) and checks afterwards: every answer has one of the statuses the API
 * documents (never UNKNOWN or INTERNAL); {@code lumina.requests} grew by exactly the jobs accepted
 * (nothing is published for a refused request); and the cluster still completes a valid job.
 */
class ApiFuzzTest {
  /** Statuses the public API answers with; anything else is a finding. */
  static final Set<Status.Code> ALLOWED =
      EnumSet.of(
          Status.Code.OK,
          Status.Code.INVALID_ARGUMENT,
          Status.Code.NOT_FOUND,
          Status.Code.ALREADY_EXISTS,
          Status.Code.RESOURCE_EXHAUSTED,
          Status.Code.UNAUTHENTICATED,
          Status.Code.FAILED_PRECONDITION);

  static final Duration UNARY_DEADLINE = Duration.ofSeconds(10);
  static final Duration STREAM_DEADLINE = Duration.ofSeconds(30);

  private static Path tmp;
  private static EmbeddedCluster cluster;
  private static ManagedChannel channel;
  private static RawCalls calls;
  private static KafkaConsumer<byte[], byte[]> consumer;
  private static FuzzArbitraries fuzz;
  private static long startedAtNanos;

  /** Answers per status code, over the whole class. */
  private static final Map<String, LongAdder> CODES = new ConcurrentHashMap<>();

  private static final AtomicLong TOTAL = new AtomicLong();

  /** Request ids of every job accepted so far (a repeated id may re-publish, see accept()). */
  private static final Set<String> ACCEPTED_IDS = ConcurrentHashMap.newKeySet();

  // Per property.
  private static final ConcurrentLinkedQueue<String> offenders = new ConcurrentLinkedQueue<>();
  private static final AtomicLong offenderCount = new AtomicLong();
  private static final AtomicLong newJobs = new AtomicLong();
  private static final AtomicLong resubmissions = new AtomicLong();
  private static long recordsBefore;

  @BeforeContainer
  static void startCluster() throws Exception {
    startedAtNanos = System.nanoTime();
    tmp = Files.createTempDirectory("lumina-fuzz");
    Path model = BenchModelDir.write(tmp.resolve("model"));
    cluster =
        EmbeddedCluster.start(
            ClusterSettings.ephemeral(model, tmp.resolve("data"), "it-fuzz"),
            new PrintWriter(new StringWriter(), true));
    channel =
        ManagedChannelBuilder.forAddress("127.0.0.1", cluster.gatewayPort())
            .usePlaintext()
            .maxInboundMessageSize(8 * 1024 * 1024)
            .build();
    calls = new RawCalls(channel);
    consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ConsumerConfig.CLIENT_ID_CONFIG,
                "it-fuzz-counter"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    // One finished job with an artifact, so that lookups also hit a real job.
    GenerateRequest seed =
        GenerateRequest.newBuilder()
            .setRequestId(FuzzArbitraries.freshRequestId())
            .setPrompt("a red square")
            .build();
    List<GenerationChunk> chunks = generateToEnd(seed);
    GenerationChunk last = chunks.get(chunks.size() - 1);
    assertThat(last.hasCompleted()).as("seed job %s", last).isTrue();
    ACCEPTED_IDS.add(seed.getRequestId());
    fuzz =
        new FuzzArbitraries(
            cluster.model(), last.getJobId(), last.getCompleted().getArtifacts(0).getUri());
  }

  @AfterContainer
  static void stopCluster() throws IOException {
    Map<String, Long> codes = new TreeMap<>();
    CODES.forEach((k, v) -> codes.put(k, v.sum()));
    System.out.printf(
        "ApiFuzzTest: %d calls in %d s, accepted jobs %d, statuses %s%n",
        TOTAL.get(),
        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedAtNanos),
        ACCEPTED_IDS.size(),
        codes);
    if (consumer != null) {
      consumer.close();
    }
    if (channel != null) {
      channel.shutdownNow();
    }
    if (cluster != null) {
      cluster.close();
    }
    if (tmp != null) {
      try (Stream<Path> files = Files.walk(tmp)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @BeforeProperty
  void resetPerProperty() {
    offenders.clear();
    offenderCount.set(0);
    newJobs.set(0);
    resubmissions.set(0);
    recordsBefore = requestRecords();
  }

  /**
   * No offending answer; {@code lumina.requests} grew by the jobs accepted, nothing more; the
   * cluster still completes a valid job.
   */
  @AfterProperty
  void checkAfterProperty() {
    assertThat(offenderCount.get())
        .as(
            "answers outside %s (or refusals that were accepted); the first ones:%n%s",
            ALLOWED, String.join("\n", offenders))
        .isZero();
    long min = newJobs.get();
    long max = min + resubmissions.get();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(requestRecords() - recordsBefore)
                    .as("new records on %s for %d accepted jobs", Topics.REQUESTS, min)
                    .isBetween(min, max));
    GenerateRequest valid =
        GenerateRequest.newBuilder()
            .setRequestId(FuzzArbitraries.freshRequestId())
            .setPrompt("a red square on a blue field")
            .build();
    List<GenerationChunk> chunks = generateToEnd(valid);
    ACCEPTED_IDS.add(valid.getRequestId());
    GenerationChunk last = chunks.get(chunks.size() - 1);
    assertThat(last.hasCompleted()).as("last chunk %s", last).isTrue();
    Job job =
        GenerationGrpc.newBlockingStub(channel)
            .withDeadlineAfter(UNARY_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
            .getJob(GetJobRequest.newBuilder().setJobId(last.getJobId()).build());
    assertThat(job.getState()).isEqualTo(JobState.SUCCEEDED);
  }

  // ---------------------------------------------------------------- properties

  @Property(tries = 30, shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
  void generateRefusesWhatBreaksALimit(@ForAll("generateBatches") List<Case> batch) {
    send(batch);
  }

  @Property(tries = 30, shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
  void submitRefusesWhatBreaksALimit(@ForAll("submitBatches") List<Case> batch) {
    send(batch);
  }

  @Property(tries = 4, shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
  void watchAnswersAnyJobId(@ForAll("watchBatches") List<Case> batch) {
    send(batch);
  }

  @Property(tries = 4, shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
  void getJobAnswersAnyJobId(@ForAll("getJobBatches") List<Case> batch) {
    send(batch);
  }

  @Property(tries = 4, shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
  void cancelAnswersAnyJobId(@ForAll("cancelBatches") List<Case> batch) {
    send(batch);
  }

  @Property(tries = 4, shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
  void getArtifactAnswersAnyJobIdIndexAndUri(@ForAll("getArtifactBatches") List<Case> batch) {
    send(batch);
  }

  @Property(tries = 4, shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
  void modelsAnswerAnyName(@ForAll("modelsBatches") List<Case> batch) {
    send(batch);
  }

  @Property(tries = 10, shrinking = ShrinkingMode.OFF, edgeCases = EdgeCasesMode.NONE)
  void everyMethodRefusesGarbageBytes(@ForAll("rawBatches") List<Case> batch) {
    send(batch);
  }

  @Provide
  Arbitrary<List<Case>> generateBatches() {
    return fuzz.generateCases(Rpc.GENERATE, 250).list().ofSize(50);
  }

  @Provide
  Arbitrary<List<Case>> submitBatches() {
    return fuzz.generateCases(Rpc.SUBMIT, 250).list().ofSize(50);
  }

  @Provide
  Arbitrary<List<Case>> watchBatches() {
    return fuzz.lookupCases(Rpc.WATCH).list().ofSize(250);
  }

  @Provide
  Arbitrary<List<Case>> getJobBatches() {
    return fuzz.lookupCases(Rpc.GET_JOB).list().ofSize(250);
  }

  @Provide
  Arbitrary<List<Case>> cancelBatches() {
    return fuzz.lookupCases(Rpc.CANCEL).list().ofSize(250);
  }

  @Provide
  Arbitrary<List<Case>> getArtifactBatches() {
    return fuzz.lookupCases(Rpc.GET_ARTIFACT).list().ofSize(250);
  }

  @Provide
  Arbitrary<List<Case>> modelsBatches() {
    return net.jqwik.api.Arbitraries.frequencyOf(
            List.of(
                net.jqwik.api.Tuple.of(4, fuzz.lookupCases(Rpc.GET_MODEL)),
                net.jqwik.api.Tuple.of(1, fuzz.lookupCases(Rpc.LIST_MODELS))))
        .list()
        .ofSize(250);
  }

  @Provide
  Arbitrary<List<Case>> rawBatches() {
    return fuzz.rawCases().list().ofSize(200);
  }

  // ---------------------------------------------------------------- sending and judging

  /** Sends the whole batch at once and judges every answer. */
  private static void send(List<Case> batch) {
    List<CompletableFuture<Outcome>> answers = new ArrayList<>();
    for (Case c : batch) {
      answers.add(
          calls.call(c.rpc(), c.payload(), c.rpc().streaming() ? STREAM_DEADLINE : UNARY_DEADLINE));
    }
    for (int i = 0; i < batch.size(); i++) {
      judge(batch.get(i), answers.get(i).join());
    }
  }

  private static void judge(Case c, Outcome o) {
    TOTAL.incrementAndGet();
    Status.Code code = o.status().getCode();
    CODES.computeIfAbsent(code.name(), k -> new LongAdder()).increment();
    boolean accepted = c.rpc().accepts() && accepted(c.rpc(), o);
    if (accepted) {
      countAcceptedJob(c);
    }
    String problem = null;
    if (!ALLOWED.contains(code) && !isJobOutcome(c.rpc(), o)) {
      problem = "status " + code;
    } else if (c.mustRefuse() && (accepted || code == Status.Code.OK)) {
      problem = "accepted a request it must refuse (status " + code + ")";
    }
    if (problem != null && offenderCount.incrementAndGet() <= 5) {
      offenders.add(
          c.rpc()
              + " "
              + problem
              + ": "
              + cut(String.valueOf(o.status().getDescription()), 200)
              + "\n    input: "
              + c.input());
    }
  }

  private static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "…";
  }

  /**
   * A stream that carried the job's own Failed chunk ends with that failure's status (a cancelled
   * or expired job): the job's outcome, not an error of the call.
   */
  private static boolean isJobOutcome(Rpc rpc, Outcome o) {
    Status.Code code = o.status().getCode();
    if (!rpc.streaming() || code == Status.Code.UNKNOWN || code == Status.Code.INTERNAL) {
      return false;
    }
    return chunks(o).stream()
        .anyMatch(ch -> ch.hasFailed() && ch.getFailed().getCode().equals(code.name()));
  }

  /** Generate: an Accepted chunk arrived; Submit: the call answered OK. */
  private static boolean accepted(Rpc rpc, Outcome o) {
    if (rpc == Rpc.SUBMIT) {
      return o.status().isOk();
    }
    return chunks(o).stream().anyMatch(GenerationChunk::hasAccepted);
  }

  private static List<GenerationChunk> chunks(Outcome o) {
    List<GenerationChunk> out = new ArrayList<>();
    for (byte[] b : o.responses()) {
      try {
        out.add(GenerationChunk.parseFrom(b));
      } catch (InvalidProtocolBufferException e) {
        // Not a chunk (another method's answer): nothing to add.
      }
    }
    return out;
  }

  /**
   * One accepted job publishes one request record; a request id accepted before may publish it
   * again (a resubmission of a job not yet placed), or not.
   */
  private static void countAcceptedJob(Case c) {
    String requestId;
    try {
      requestId = GenerateRequest.parseFrom(c.payload()).getRequestId();
    } catch (InvalidProtocolBufferException e) {
      resubmissions.incrementAndGet();
      return;
    }
    if (requestId.isEmpty() || ACCEPTED_IDS.add(requestId)) {
      newJobs.incrementAndGet();
    } else {
      resubmissions.incrementAndGet();
    }
  }

  private static long requestRecords() {
    List<TopicPartition> partitions =
        consumer.partitionsFor(Topics.REQUESTS).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .collect(Collectors.toList());
    return consumer.endOffsets(partitions, Duration.ofSeconds(10)).values().stream()
        .mapToLong(Long::longValue)
        .sum();
  }

  private static List<GenerationChunk> generateToEnd(GenerateRequest request) {
    List<GenerationChunk> chunks = new ArrayList<>();
    GenerationGrpc.newBlockingStub(channel)
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .generate(request)
        .forEachRemaining(chunks::add);
    assertThat(chunks).isNotEmpty();
    return chunks;
  }
}

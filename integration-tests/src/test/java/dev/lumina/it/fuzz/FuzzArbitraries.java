package dev.lumina.it.fuzz;

import com.google.protobuf.Message;
import dev.lumina.it.fuzz.RawCalls.Rpc;
import dev.lumina.proto.v1.CancelRequest;
import dev.lumina.proto.v1.Extrapolation;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.GetArtifactRequest;
import dev.lumina.proto.v1.GetJobRequest;
import dev.lumina.proto.v1.GetModelRequest;
import dev.lumina.proto.v1.ListModelsRequest;
import dev.lumina.proto.v1.ModelInfo;
import dev.lumina.proto.v1.Output;
import dev.lumina.proto.v1.OutputFormat;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.proto.v1.Solver;
import dev.lumina.proto.v1.WatchRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * The fuzz inputs: arbitrary text (control characters, any Unicode, huge), out-of-range numbers and
 * enum values, requests that break exactly one documented limit ({@link LimitViolations}), a few
 * valid requests, and raw bytes (random, truncated, or with a string field that is not UTF-8) for
 * every method ({@link RawCases}).
 *
 * @param info the served model's limits, for building requests that break them on purpose
 * @param jobId a job that exists (finished), so lookups also hit a real job
 * @param artifactUri one of that job's artifacts
 */
record FuzzArbitraries(ModelInfo info, String jobId, String artifactUri) {

  /** One request to send, as bytes, and what it is in words for a failure message. */
  record Case(Rpc rpc, byte[] payload, String input, boolean mustRefuse) {
    static Case typed(Rpc rpc, Message m, String what, boolean mustRefuse) {
      return new Case(rpc, m.toByteArray(), what + " " + FuzzArbitraries.shortText(m), mustRefuse);
    }
  }

  private static final AtomicLong FRESH = new AtomicLong();
  private static final String RUN = Long.toHexString(System.nanoTime());

  /** A request id no request of this run has used. */
  static String freshRequestId() {
    return "fuzz-" + RUN + "-" + FRESH.incrementAndGet();
  }

  // ---------------------------------------------------------------- scalars

  /** Text of every kind: any Unicode, control characters, tricky literals, and rarely huge. */
  static Arbitrary<String> text() {
    return Arbitraries.frequencyOf(
        List.of(
            Tuple.of(25, Arbitraries.strings().all().ofMaxLength(40)),
            Tuple.of(
                10,
                Arbitraries.strings()
                    .withCharRange('\u0000', '\u001f')
                    .withChars('\u007f', '\u0085', '\u2028', '\u2029', '\ufeff', '\u202e', ' ')
                    .ofMaxLength(20)),
            Tuple.of(15, Arbitraries.strings().ascii().ofMaxLength(60)),
            Tuple.of(10, Arbitraries.strings().withChars("abcXYZ019._:-").ofMaxLength(40)),
            Tuple.of(
                10,
                Arbitraries.of(
                    "",
                    " ",
                    "\u0000",
                    "\t\n\r",
                    "🦄🦄",
                    "e\u0301",
                    "\ud800",
                    "\udfff\ud800",
                    "%s%n%x",
                    "../../etc/passwd",
                    "file:///etc/passwd",
                    "' OR 1=1 --",
                    "<script>alert(1)</script>",
                    "${jndi:ldap://x}",
                    "null",
                    "a".repeat(128),
                    "a".repeat(129),
                    "é".repeat(64),
                    "é".repeat(65))),
            Tuple.of(2, huge())));
  }

  /** Strings far beyond any field's limit, some beyond the gateway's message limit. */
  static Arbitrary<String> huge() {
    return Combinators.combine(
            Arbitraries.of("x", "é", "🦄", "\u0000", "ab "),
            Arbitraries.integers().between(129, 300_000))
        .as((s, n) -> s.repeat(Math.max(1, n / s.length())));
  }

  /** A uint32 as Java sees it: small, large, and above 2^31 (negative ints). */
  static Arbitrary<Integer> uint32() {
    return Arbitraries.frequencyOf(
        List.of(
            Tuple.of(10, Arbitraries.integers().between(0, 20)),
            Tuple.of(5, Arbitraries.integers().between(0, 10_000)),
            Tuple.of(5, Arbitraries.integers()),
            Tuple.of(3, Arbitraries.of(0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 64, 4096))));
  }

  static Arbitrary<Long> uint64() {
    return Arbitraries.frequencyOf(
        List.of(
            Tuple.of(10, Arbitraries.longs().between(0, 100_000)),
            Tuple.of(5, Arbitraries.longs()),
            Tuple.of(3, Arbitraries.of(0L, -1L, Long.MAX_VALUE, Long.MIN_VALUE, 86_400_001L))));
  }

  static Arbitrary<Float> anyFloat() {
    return Arbitraries.frequencyOf(
        List.of(
            Tuple.of(10, Arbitraries.floats().between(-10f, 200f)),
            Tuple.of(
                3,
                Arbitraries.of(
                    Float.NaN,
                    Float.POSITIVE_INFINITY,
                    Float.NEGATIVE_INFINITY,
                    -0f,
                    Float.MIN_VALUE,
                    Float.MAX_VALUE,
                    -Float.MAX_VALUE))));
  }

  // ---------------------------------------------------------------- Generate / Submit

  /** Any request at all: every field random, most of them out of range. */
  Arbitrary<GenerateRequest> anyRequest() {
    List<Arbitrary<Consumer<GenerateRequest.Builder>>> parts = new ArrayList<>();
    parts.add(set(text(), (b, v) -> b.setRequestId(v)));
    parts.add(
        set(Arbitraries.oneOf(Arbitraries.just(info.getName()), text()), (b, v) -> b.setModel(v)));
    parts.add(
        set(
            Arbitraries.oneOf(Arbitraries.integers().between(0, 5), uint32()),
            (b, v) -> b.setModalityValue(v)));
    parts.add(set(text(), (b, v) -> b.setPrompt(v)));
    parts.add(set(text(), (b, v) -> b.setNegativePrompt(v)));
    parts.add(
        set(
            Combinators.combine(uint32(), uint32(), uint32(), uint32(), anyFloat())
                .as(
                    (w, h, f, views, d) ->
                        Geometry.newBuilder()
                            .setWidth(w)
                            .setHeight(h)
                            .setFrames(f)
                            .setViews(views)
                            .setDurationS(d)
                            .build()),
            (b, v) -> b.setGeometry(v)));
    parts.add(
        set(
            Combinators.combine(
                    uint32(),
                    Arbitraries.oneOf(Arbitraries.integers().between(0, 5), uint32()),
                    anyFloat(),
                    anyFloat(),
                    uint64().injectNull(0.5),
                    Arbitraries.of(true, false))
                .as(
                    (steps, solver, cfg, shift, seed, full) -> {
                      Sampling.Builder s =
                          Sampling.newBuilder()
                              .setSteps(steps)
                              .setSolverValue(solver)
                              .setCfgScale(cfg)
                              .setTimeShift(shift)
                              .setFullChannelCfg(full);
                      if (seed != null) {
                        s.setSeed(seed);
                      }
                      return s.build();
                    }),
            (b, v) -> b.setSampling(v)));
    parts.add(
        set(
            Arbitraries.of(true, false)
                .map(x -> Extrapolation.newBuilder().setNtkScaling(x).build()),
            (b, v) -> b.setExtrapolation(v)));
    parts.add(
        set(
            Combinators.combine(
                    Arbitraries.oneOf(Arbitraries.integers().between(0, 3), uint32()),
                    uint32(),
                    uint32())
                .as(
                    (f, p, t) ->
                        Output.newBuilder()
                            .setFormatValue(f)
                            .setPreviewEvery(p)
                            .setTileSize(t)
                            .build()),
            (b, v) -> b.setOutput(v)));
    parts.add(set(uint32(), (b, v) -> b.setPriority(v)));
    parts.add(set(uint64(), (b, v) -> b.setMaxQueueMs(v)));
    parts.add(set(Arbitraries.maps(text(), text()).ofMaxSize(20), (b, v) -> b.putAllLabels(v)));
    return Combinators.combine(parts)
        .as(
            cs -> {
              GenerateRequest.Builder b = GenerateRequest.newBuilder();
              cs.forEach(c -> c.accept(b));
              return b.build();
            });
  }

  /** Sets a field with half the probability, so that many fields stay at their defaults. */
  private static <T> Arbitrary<Consumer<GenerateRequest.Builder>> set(
      Arbitrary<T> values, java.util.function.BiConsumer<GenerateRequest.Builder, T> setter) {
    return values
        .injectNull(0.5)
        .map(
            v ->
                v == null ? b -> {} : (Consumer<GenerateRequest.Builder>) b -> setter.accept(b, v));
  }

  /** A request breaking one documented limit ({@link LimitViolations}). */
  Arbitrary<LimitViolations.Violation> violation() {
    return new LimitViolations(info).any();
  }

  /**
   * A request that passes every check, tiny enough to cost milliseconds of model time, with a
   * request id no other request of the run has.
   */
  Arbitrary<GenerateRequest> validRequest() {
    int unit = Math.max(1, info.getPixelUnit());
    List<Integer> sides = new ArrayList<>();
    sides.add(0);
    for (int s = unit; s <= Math.min(info.getMaxSide(), 16); s += unit) {
      if (s >= info.getMinSide()) {
        sides.add(s);
      }
    }
    int maxSteps = Math.min(3, info.getMaxSteps());
    return Combinators.combine(
            Arbitraries.strings()
                .alpha()
                .numeric()
                .withChars(" é🦄")
                .ofMinLength(1)
                .ofMaxLength(30)
                .filter(s -> !s.isBlank()),
            Arbitraries.of(sides),
            Arbitraries.integers().between(2, Math.max(2, maxSteps)),
            Arbitraries.of(Solver.SOLVER_UNSPECIFIED, Solver.EULER, Solver.MIDPOINT),
            Arbitraries.integers().between(0, 9),
            Arbitraries.longs().between(0, Long.MAX_VALUE).injectNull(0.5),
            Arbitraries.maps(
                    Arbitraries.strings().alpha().ofMaxLength(10),
                    Arbitraries.strings().all().ofMaxLength(10))
                .ofMaxSize(3),
            Arbitraries.of(true, false))
        .as(
            (prompt, side, steps, solver, priority, seed, labels, png) -> {
              Sampling.Builder sampling = Sampling.newBuilder().setSteps(steps).setSolver(solver);
              if (seed != null) {
                sampling.setSeed(seed);
              }
              return GenerateRequest.newBuilder()
                  .setRequestId(freshRequestId())
                  .setModel(info.getName())
                  .setPrompt(prompt)
                  .setGeometry(Geometry.newBuilder().setWidth(side).setHeight(side))
                  .setSampling(sampling)
                  .setOutput(
                      Output.newBuilder()
                          .setFormat(
                              png ? OutputFormat.PNG : OutputFormat.OUTPUT_FORMAT_UNSPECIFIED))
                  .setPriority(priority)
                  .putAllLabels(labelsWithinLimits(labels))
                  .build();
            });
  }

  private static Map<String, String> labelsWithinLimits(Map<String, String> labels) {
    Map<String, String> out = new java.util.HashMap<>();
    labels.forEach(
        (k, v) -> {
          if (v.getBytes(StandardCharsets.UTF_8).length <= 64) {
            out.put(k, v);
          }
        });
    return out;
  }

  /** Mostly requests that break a limit; about one in {@code 1 + invalidPerValid} is valid. */
  Arbitrary<Case> generateCases(Rpc rpc, int invalidPerValid) {
    Arbitrary<Case> invalid =
        Combinators.combine(anyRequest(), violation())
            .as(
                (req, v) -> {
                  GenerateRequest.Builder b = req.toBuilder();
                  v.apply().accept(b);
                  return Case.typed(rpc, b.build(), "[" + v.what() + "]", true);
                });
    Arbitrary<Case> valid = validRequest().map(r -> Case.typed(rpc, r, "[valid]", false));
    return Arbitraries.frequencyOf(List.of(Tuple.of(1, valid), Tuple.of(invalidPerValid, invalid)));
  }

  // ---------------------------------------------------------------- lookups

  /** Job ids: empty, random text, over-long, look-alikes of a real one, and the real one. */
  Arbitrary<String> jobIds() {
    return Arbitraries.frequencyOf(
        List.of(
            Tuple.of(4, Arbitraries.just("")),
            Tuple.of(12, text()),
            Tuple.of(6, Arbitraries.integers().between(129, 20_000).map(n -> "j".repeat(n))),
            Tuple.of(
                6,
                Arbitraries.of(
                    jobId.toUpperCase(java.util.Locale.ROOT),
                    jobId + " ",
                    " " + jobId,
                    jobId + "\u0000",
                    jobId.substring(0, jobId.length() - 1),
                    jobId + "0",
                    jobId.replace('j', 'J'))),
            Tuple.of(
                4,
                Arbitraries.strings()
                    .withChars("0123456789abcdef")
                    .ofLength(32)
                    .map(h -> "j-" + h)),
            Tuple.of(6, Arbitraries.just(jobId))));
  }

  Arbitrary<Case> lookupCases(Rpc rpc) {
    return switch (rpc) {
      case WATCH ->
          Combinators.combine(jobIds(), uint64())
              .as(
                  (id, after) ->
                      Case.typed(
                          rpc,
                          WatchRequest.newBuilder().setJobId(id).setAfterSeq(after).build(),
                          "",
                          false));
      case GET_JOB ->
          jobIds()
              .map(
                  id ->
                      Case.typed(rpc, GetJobRequest.newBuilder().setJobId(id).build(), "", false));
      case CANCEL ->
          jobIds()
              .map(
                  id ->
                      Case.typed(rpc, CancelRequest.newBuilder().setJobId(id).build(), "", false));
      case GET_ARTIFACT ->
          Combinators.combine(jobIds(), artifactChoice())
              .as(
                  (id, choice) -> {
                    GetArtifactRequest.Builder b = GetArtifactRequest.newBuilder().setJobId(id);
                    choice.accept(b);
                    return Case.typed(rpc, b.build(), "", false);
                  });
      case GET_MODEL ->
          Arbitraries.oneOf(
                  text(),
                  Arbitraries.of(
                      info.getName(),
                      info.getName().toUpperCase(java.util.Locale.ROOT),
                      info.getName() + " ",
                      info.getName() + "\u0000"))
              .map(
                  n -> Case.typed(rpc, GetModelRequest.newBuilder().setName(n).build(), "", false));
      case LIST_MODELS ->
          Arbitraries.just(Case.typed(rpc, ListModelsRequest.getDefaultInstance(), "", false));
      default -> throw new IllegalArgumentException(rpc + " is not a lookup");
    };
  }

  private Arbitrary<Consumer<GetArtifactRequest.Builder>> artifactChoice() {
    return Arbitraries.frequencyOf(
        List.of(
            Tuple.of(2, Arbitraries.just(b -> {})),
            Tuple.of(4, uint32().map(i -> b -> b.setIndex(i))),
            Tuple.of(4, text().map(u -> b -> b.setUri(u))),
            Tuple.of(
                3,
                Arbitraries.of(
                        artifactUri,
                        artifactUri + "x",
                        artifactUri.replace("file:", "FILE:"),
                        artifactUri + "/../../../../etc/passwd",
                        "file:///etc/passwd",
                        "s3://bucket/key",
                        "u".repeat(2049))
                    .map(u -> b -> b.setUri(u)))));
  }

  // ---------------------------------------------------------------- raw bytes

  /** A well-formed request for {@code rpc}, its fields arbitrary. */
  Arbitrary<byte[]> wellFormed(Rpc rpc) {
    return switch (rpc) {
      case GENERATE, SUBMIT -> anyRequest().map(GenerateRequest::toByteArray);
      case LIST_MODELS -> Arbitraries.just(new byte[0]);
      default -> lookupCases(rpc).map(Case::payload);
    };
  }

  /** Random bytes, truncated or bit-flipped messages, and string fields that are not UTF-8. */
  Arbitrary<Case> rawCases() {
    return new RawCases(this).any();
  }

  /** A message in one line, cut to a size a failure message can repeat. */
  static String shortText(Message m) {
    String s = com.google.protobuf.TextFormat.printer().emittingSingleLine(true).printToString(m);
    return s.length() > 300 ? s.substring(0, 300) + "…(" + s.length() + " chars)" : s;
  }
}

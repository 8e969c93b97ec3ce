package dev.lumina.it.fuzz;

import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.ModelInfo;
import dev.lumina.proto.v1.OutputFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Requests that break exactly one documented limit of the served model ({@code info}): steps,
 * geometry, prompt and label sizes, enum values, request size and the like, each with the words
 * that name it for a failure message.
 */
record LimitViolations(ModelInfo info) {
  private static final Pattern REQUEST_ID_CHARS = Pattern.compile("[A-Za-z0-9._:-]*");

  /** One documented limit broken on purpose: whatever else the request holds, it is refused. */
  record Violation(String what, Consumer<GenerateRequest.Builder> apply) {}

  /** Every documented limit of a request, each broken in several ways. */
  Arbitrary<Violation> any() {
    int maxSteps = info.getMaxSteps();
    int unit = Math.max(1, info.getPixelUnit());
    int minSide = info.getMinSide();
    int maxSide = info.getMaxSide();
    int maxPrompt = info.getMaxPromptBytes();
    List<Arbitrary<Violation>> all = new ArrayList<>();
    all.add(
        Arbitraries.oneOf(
                Arbitraries.just(1),
                Arbitraries.integers().between(maxSteps + 1, Integer.MAX_VALUE),
                Arbitraries.integers().lessOrEqual(-1))
            .map(
                v ->
                    new Violation(
                        "sampling.steps=" + Integer.toUnsignedString(v),
                        b -> b.setSampling(b.getSampling().toBuilder().setSteps(v)))));
    Arbitrary<Integer> badSide =
        Arbitraries.integers().filter(v -> v != 0 && (v % unit != 0 || v < minSide || v > maxSide));
    all.add(
        badSide.map(
            v ->
                new Violation(
                    "geometry.width=" + Integer.toUnsignedString(v),
                    b -> b.setGeometry(b.getGeometry().toBuilder().setWidth(v)))));
    all.add(
        badSide.map(
            v ->
                new Violation(
                    "geometry.height=" + Integer.toUnsignedString(v),
                    b -> b.setGeometry(b.getGeometry().toBuilder().setHeight(v)))));
    all.add(
        Arbitraries.of("", " ", "\t\n  ", "\u2003\u2028")
            .map(v -> new Violation("blank prompt", b -> b.setPrompt(v))));
    if (maxPrompt > 0) {
      all.add(
          Combinators.combine(
                  Arbitraries.of("a", "é", "🦄"), Arbitraries.integers().between(1, 2000))
              .as(
                  (s, extra) -> {
                    int reps = maxPrompt / s.getBytes(StandardCharsets.UTF_8).length + extra;
                    String p = s.repeat(reps);
                    return new Violation("prompt of " + reps + "x'" + s + "'", b -> b.setPrompt(p));
                  }));
    }
    all.add(
        FuzzArbitraries.text()
            .filter(s -> !s.isEmpty() && !REQUEST_ID_CHARS.matcher(s).matches())
            .map(v -> new Violation("request_id with bad characters", b -> b.setRequestId(v))));
    all.add(
        Arbitraries.integers()
            .between(129, 5000)
            .map(
                n ->
                    new Violation(
                        "request_id of " + n + " bytes", b -> b.setRequestId("r".repeat(n)))));
    all.add(
        FuzzArbitraries.text()
            .filter(s -> !s.isEmpty() && !s.equals(info.getName()))
            .map(v -> new Violation("unknown model", b -> b.setModel(v))));
    all.add(
        Arbitraries.integers()
            .filter(v -> v < 0 || v > 4)
            .map(v -> new Violation("modality=" + v, b -> b.setModalityValue(v))));
    List<Modality> unserved =
        Arrays.stream(Modality.values())
            .filter(
                m ->
                    m != Modality.UNRECOGNIZED
                        && m != Modality.MODALITY_UNSPECIFIED
                        && !info.getModalitiesList().contains(m))
            .toList();
    if (!unserved.isEmpty()) {
      all.add(
          Arbitraries.of(unserved)
              .map(m -> new Violation("unserved modality " + m, b -> b.setModality(m))));
    }
    all.add(
        Arbitraries.integers()
            .filter(v -> v < 0 || v > 4)
            .map(
                v ->
                    new Violation(
                        "sampling.solver=" + v,
                        b -> b.setSampling(b.getSampling().toBuilder().setSolverValue(v)))));
    all.add(
        Arbitraries.oneOf(
                Arbitraries.of(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY),
                Arbitraries.floats().between(50.5f, 1e30f),
                Arbitraries.floats().between(-1e30f, -0.01f))
            .map(
                v ->
                    new Violation(
                        "sampling.cfg_scale=" + v,
                        b -> b.setSampling(b.getSampling().toBuilder().setCfgScale(v)))));
    all.add(
        Arbitraries.oneOf(
                Arbitraries.of(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY),
                Arbitraries.floats().between(0.01f, 0.99f),
                Arbitraries.floats().between(100.5f, 1e30f),
                Arbitraries.floats().between(-1e30f, -0.01f))
            .map(
                v ->
                    new Violation(
                        "sampling.time_shift=" + v,
                        b -> b.setSampling(b.getSampling().toBuilder().setTimeShift(v)))));
    all.add(
        Arbitraries.integers()
            .filter(v -> v < 0 || v > 2)
            .map(
                v ->
                    new Violation(
                        "output.format=" + v,
                        b -> b.setOutput(b.getOutput().toBuilder().setFormatValue(v)))));
    all.add(
        Arbitraries.just(
            new Violation(
                "WAV for IMAGE",
                b ->
                    b.setModality(Modality.IMAGE)
                        .setOutput(b.getOutput().toBuilder().setFormat(OutputFormat.WAV)))));
    all.add(
        Arbitraries.oneOf(
                Arbitraries.integers().between(maxSteps + 1, Integer.MAX_VALUE),
                Arbitraries.integers().lessOrEqual(-1))
            .map(
                v ->
                    new Violation(
                        "output.preview_every=" + Integer.toUnsignedString(v),
                        b -> b.setOutput(b.getOutput().toBuilder().setPreviewEvery(v)))));
    all.add(
        Arbitraries.integers()
            .filter(v -> v != 0 && (v < 64 || v > 4096 || v % 64 != 0))
            .map(
                v ->
                    new Violation(
                        "output.tile_size=" + Integer.toUnsignedString(v),
                        b -> b.setOutput(b.getOutput().toBuilder().setTileSize(v)))));
    all.add(
        Arbitraries.oneOf(
                Arbitraries.integers().between(10, Integer.MAX_VALUE),
                Arbitraries.integers().lessOrEqual(-1))
            .map(
                v ->
                    new Violation(
                        "priority=" + Integer.toUnsignedString(v), b -> b.setPriority(v))));
    all.add(
        Arbitraries.oneOf(
                Arbitraries.longs().between(86_400_001L, Long.MAX_VALUE),
                Arbitraries.longs().lessOrEqual(-1L))
            .map(
                v ->
                    new Violation(
                        "max_queue_ms=" + Long.toUnsignedString(v), b -> b.setMaxQueueMs(v))));
    all.add(
        Arbitraries.integers()
            .between(17, 40)
            .map(
                n ->
                    new Violation(
                        n + " labels",
                        b -> {
                          for (int i = 0; i < n; i++) {
                            b.putLabels("k" + i, "v");
                          }
                        })));
    all.add(
        Arbitraries.integers()
            .between(65, 2000)
            .map(
                n ->
                    new Violation(
                        "label value of " + n + " bytes",
                        b -> b.putLabels("fuzz", "v".repeat(n)))));
    all.add(
        Arbitraries.integers()
            .filter(v -> v != 0)
            .map(
                v ->
                    new Violation(
                        "geometry.frames=" + Integer.toUnsignedString(v) + " for IMAGE",
                        b ->
                            b.setModality(Modality.IMAGE)
                                .setGeometry(b.getGeometry().toBuilder().setFrames(v)))));
    all.add(
        Arbitraries.of(Float.NaN, 1f, -1f, Float.POSITIVE_INFINITY)
            .map(
                v ->
                    new Violation(
                        "geometry.duration_s=" + v + " for IMAGE",
                        b ->
                            b.setModality(Modality.IMAGE)
                                .setGeometry(b.getGeometry().toBuilder().setDurationS(v)))));
    all.add(
        Arbitraries.integers()
            .between(300_000, 600_000)
            .map(
                n ->
                    new Violation("request of " + n + "+ bytes", b -> b.setPrompt("p".repeat(n)))));
    return Arbitraries.oneOf(all);
  }
}

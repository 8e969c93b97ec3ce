package dev.lumina.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.Sampling;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every bad field is INVALID_ARGUMENT naming the field and the limit, and publishes nothing. */
class RequestValidationTest {
  private GatewayHarness gw;

  @BeforeEach
  void start() throws IOException {
    gw = new GatewayHarness(ApiKeys.anonymous());
  }

  @AfterEach
  void stop() {
    gw.close();
  }

  static GenerateRequest.Builder ok() {
    return GenerateRequest.newBuilder().setPrompt("a red fox in snow");
  }

  static Stream<Arguments> badRequests() {
    return Stream.of(
        arguments("empty prompt", ok().setPrompt(""), "prompt", "512"),
        arguments(
            "prompt over byte limit",
            ok().setPrompt("x".repeat(513)),
            "prompt",
            "max_prompt_bytes 512"),
        arguments(
            "negative prompt over byte limit",
            ok().setNegativePrompt("é".repeat(300)),
            "negative_prompt",
            "max_prompt_bytes 512"),
        arguments(
            "width not a multiple of the unit",
            ok().setGeometry(Geometry.newBuilder().setWidth(500)),
            "geometry.width",
            "multiple of 16"),
        arguments(
            "height below min side",
            ok().setGeometry(Geometry.newBuilder().setHeight(128)),
            "geometry.height",
            "[256, 2048]"),
        arguments(
            "width above max side",
            ok().setGeometry(Geometry.newBuilder().setWidth(4096)),
            "geometry.width",
            "[256, 2048]"),
        arguments(
            "aspect beyond limit",
            ok().setGeometry(Geometry.newBuilder().setWidth(2048).setHeight(256)),
            "geometry",
            "max_aspect 4.000"),
        arguments(
            "frames on an image",
            ok().setGeometry(Geometry.newBuilder().setFrames(4)),
            "geometry.frames",
            "must be 0 for IMAGE"),
        arguments(
            "views on a video",
            ok().setModality(Modality.VIDEO).setGeometry(Geometry.newBuilder().setViews(2)),
            "geometry.views",
            "must be 0 for VIDEO"),
        arguments(
            "frames on audio",
            ok().setModel(TestModels.AUDIO)
                .setModality(Modality.AUDIO)
                .setGeometry(Geometry.newBuilder().setFrames(2)),
            "geometry.frames",
            "must be 0 for AUDIO"),
        arguments(
            "frames above max",
            ok().setModality(Modality.VIDEO).setGeometry(Geometry.newBuilder().setFrames(17)),
            "geometry.frames",
            "1..16"),
        arguments(
            "views above max",
            ok().setModality(Modality.MULTIVIEW).setGeometry(Geometry.newBuilder().setViews(9)),
            "geometry.views",
            "1..8"),
        arguments(
            "duration NaN",
            ok().setModel(TestModels.AUDIO)
                .setModality(Modality.AUDIO)
                .setGeometry(Geometry.newBuilder().setDurationS(Float.NaN)),
            "geometry.duration_s",
            "30.0"),
        arguments(
            "steps 1",
            ok().setSampling(Sampling.newBuilder().setSteps(1)),
            "sampling.steps",
            "2..100"),
        arguments(
            "steps above max",
            ok().setSampling(Sampling.newBuilder().setSteps(101)),
            "sampling.steps",
            "2..100"),
        arguments(
            "cfg NaN",
            ok().setSampling(Sampling.newBuilder().setCfgScale(Float.NaN)),
            "sampling.cfg_scale",
            "0..50"),
        arguments(
            "cfg negative",
            ok().setSampling(Sampling.newBuilder().setCfgScale(-1f)),
            "sampling.cfg_scale",
            "0..50"),
        arguments(
            "cfg infinite",
            ok().setSampling(Sampling.newBuilder().setCfgScale(Float.POSITIVE_INFINITY)),
            "sampling.cfg_scale",
            "0..50"),
        arguments(
            "time shift NaN",
            ok().setSampling(Sampling.newBuilder().setTimeShift(Float.NaN)),
            "sampling.time_shift",
            "1.0..100.0"),
        arguments(
            "time shift negative",
            ok().setSampling(Sampling.newBuilder().setTimeShift(-2f)),
            "sampling.time_shift",
            "1.0..100.0"),
        arguments(
            "time shift infinite",
            ok().setSampling(Sampling.newBuilder().setTimeShift(Float.NEGATIVE_INFINITY)),
            "sampling.time_shift",
            "1.0..100.0"),
        arguments(
            "unknown model",
            ok().setModel("nope"),
            "model",
            "known models: [flag-dit-audio, flag-dit-test]"),
        arguments(
            "unknown modality value",
            ok().setModalityValue(99),
            "modality",
            "unknown enum value 99"),
        arguments(
            "unknown solver value",
            ok().setSampling(Sampling.newBuilder().setSolverValue(42)),
            "sampling.solver",
            "unknown enum value 42"),
        arguments(
            "modality the model lacks", ok().setModality(Modality.AUDIO), "modality", "allowed"),
        arguments(
            "token budget over the largest tier",
            ok().setModality(Modality.VIDEO)
                .setGeometry(Geometry.newBuilder().setWidth(2048).setHeight(2048).setFrames(16)),
            "geometry",
            "largest tier 'xl' (131072 tokens)"),
        arguments("priority above 9", ok().setPriority(10), "priority", "1..9"),
        arguments(
            "max queue over 24 h", ok().setMaxQueueMs(86_400_001L), "max_queue_ms", "86400000"),
        arguments(
            "request id with bad characters",
            ok().setRequestId("a b"),
            "request_id",
            "[A-Za-z0-9._:-]"),
        arguments("request id too long", ok().setRequestId("a".repeat(129)), "request_id", "128"),
        arguments(
            "tile size not a multiple of 64",
            ok().setOutput(dev.lumina.proto.v1.Output.newBuilder().setTileSize(100)),
            "output.tile_size",
            "64..4096"),
        arguments(
            "preview more often than steps",
            ok().setOutput(dev.lumina.proto.v1.Output.newBuilder().setPreviewEvery(31)),
            "output.preview_every",
            "sampling.steps 30"),
        // uint32/uint64 fields whose top bit is set reach Java as negative numbers.
        arguments(
            "preview every 2^32-2 steps (above 2^31)",
            ok().setOutput(dev.lumina.proto.v1.Output.newBuilder().setPreviewEvery(-2)),
            "output.preview_every",
            "4294967294 exceeds sampling.steps 30"),
        arguments(
            "max queue of 2^64-1 ms (above 2^63)",
            ok().setMaxQueueMs(-1L),
            "max_queue_ms",
            "18446744073709551615 exceeds the limit of 86400000"));
  }

  @ParameterizedTest(name = "{0} is INVALID_ARGUMENT naming {2}")
  @MethodSource("badRequests")
  void badFieldIsRefusedAndNothingIsPublished(
      String name, GenerateRequest.Builder req, String field, String limit) {
    for (boolean async : new boolean[] {false, true}) {
      assertThatThrownBy(
              () -> {
                if (async) {
                  gw.generation().submit(req.build());
                } else {
                  gw.generation().generate(req.build()).hasNext();
                }
              })
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(e.getStatus().getDescription()).startsWith(field + ":").contains(limit);
              });
    }
    assertThat(gw.publisher.jobs).isEmpty();
    assertThat(gw.publisher.events).isEmpty();
  }

  @Test
  void zeroStepsTakesTheModelDefault() {
    var job = gw.generation().submit(ok().setSampling(Sampling.newBuilder().setSteps(0)).build());
    assertThat(job.getTotalSteps()).isEqualTo(30);
    assertThat(gw.publisher.jobs)
        .singleElement()
        .satisfies(env -> assertThat(env.getRequest().getSampling().getSteps()).isEqualTo(30));
  }

  @Test
  void reusedRequestIdWithOtherParametersIsAlreadyExistsAndPublishesNothingNew() {
    var first = gw.generation().submit(ok().setRequestId("r-1").build());
    var again = gw.generation().submit(ok().setRequestId("r-1").build());
    assertThat(again.getJobId()).isEqualTo(first.getJobId());
    assertThatThrownBy(
            () -> gw.generation().submit(ok().setRequestId("r-1").setPrompt("another fox").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
              assertThat(e.getStatus().getDescription())
                  .startsWith("request_id:")
                  .contains("different parameters");
            });
    assertThat(gw.publisher.jobs).hasSize(1);
  }

  @Test
  void aMessageOverTheSizeLimitIsRefusedNamingTheLimitAndPublishesNothing() {
    GenerateRequest big =
        ok().setNegativePrompt("x".repeat(GatewayHarness.MAX_MESSAGE_BYTES)).build();
    assertThatThrownBy(() -> gw.generation().submit(big))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .startsWith("request:")
                  .contains("limit of " + GatewayHarness.MAX_MESSAGE_BYTES + " bytes");
            });
    assertThatThrownBy(() -> gw.generation().generate(big).hasNext())
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThat(gw.publisher.jobs).isEmpty();
  }
}

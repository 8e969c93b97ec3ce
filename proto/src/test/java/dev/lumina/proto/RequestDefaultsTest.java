package dev.lumina.proto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.Output;
import dev.lumina.proto.v1.OutputFormat;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.proto.v1.Solver;
import org.junit.jupiter.api.Test;

class RequestDefaultsTest {
  private static final Geometry DEF_GEOMETRY =
      Geometry.newBuilder()
          .setWidth(256)
          .setHeight(128)
          .setFrames(8)
          .setViews(4)
          .setDurationS(2f)
          .build();
  private static final Sampling DEF_SAMPLING =
      Sampling.newBuilder()
          .setSteps(30)
          .setSolver(Solver.MIDPOINT)
          .setCfgScale(4f)
          .setTimeShift(6f)
          .build();

  @Test
  void geometryTakesTheModelsDefaultsForTheFieldsThatApply() {
    assertThat(
            RequestDefaults.geometry(Geometry.getDefaultInstance(), Modality.IMAGE, DEF_GEOMETRY))
        .isEqualTo(Geometry.newBuilder().setWidth(256).setHeight(128).build());
    assertThat(
            RequestDefaults.geometry(
                Geometry.getDefaultInstance(), Modality.MODALITY_UNSPECIFIED, DEF_GEOMETRY))
        .isEqualTo(Geometry.newBuilder().setWidth(256).setHeight(128).build());
    assertThat(
            RequestDefaults.geometry(
                Geometry.newBuilder().setWidth(512).build(), Modality.VIDEO, DEF_GEOMETRY))
        .isEqualTo(Geometry.newBuilder().setWidth(512).setHeight(128).setFrames(8).build());
    assertThat(
            RequestDefaults.geometry(
                Geometry.newBuilder().setViews(2).build(), Modality.MULTIVIEW, DEF_GEOMETRY))
        .isEqualTo(Geometry.newBuilder().setWidth(256).setHeight(128).setViews(2).build());
    assertThat(
            RequestDefaults.geometry(Geometry.getDefaultInstance(), Modality.AUDIO, DEF_GEOMETRY))
        .isEqualTo(Geometry.newBuilder().setDurationS(2f).build());
    assertThat(
            RequestDefaults.geometry(
                    Geometry.newBuilder().setDurationS(0.5f).build(), Modality.AUDIO, DEF_GEOMETRY)
                .getDurationS())
        .isEqualTo(0.5f);
  }

  @Test
  void geometryLeavesOutFieldsThatDoNotApply() {
    Geometry in =
        Geometry.newBuilder()
            .setWidth(64)
            .setHeight(64)
            .setFrames(3)
            .setViews(3)
            .setDurationS(1f)
            .build();
    assertThat(RequestDefaults.geometry(in, Modality.IMAGE, DEF_GEOMETRY))
        .isEqualTo(Geometry.newBuilder().setWidth(64).setHeight(64).build());
    assertThat(RequestDefaults.geometry(in, Modality.AUDIO, DEF_GEOMETRY))
        .isEqualTo(Geometry.newBuilder().setDurationS(1f).build());
  }

  @Test
  void samplingTakesTheModelsDefaults() {
    Sampling in = Sampling.newBuilder().setSeed(7).setFullChannelCfg(true).build();
    Sampling s = RequestDefaults.sampling(in, DEF_SAMPLING);
    assertThat(s).isEqualTo(DEF_SAMPLING.toBuilder().setSeed(7).setFullChannelCfg(true).build());
    Sampling own =
        Sampling.newBuilder()
            .setSteps(10)
            .setSolver(Solver.RK4)
            .setCfgScale(1.5f)
            .setTimeShift(2f)
            .build();
    assertThat(RequestDefaults.sampling(own, DEF_SAMPLING)).isEqualTo(own);
  }

  @Test
  void samplingFallsBackToTheApisDefaults() {
    Sampling s =
        RequestDefaults.sampling(Sampling.getDefaultInstance(), Sampling.getDefaultInstance());
    assertThat(s.getSteps()).isZero();
    assertThat(s.getSolver()).isEqualTo(Solver.EULER);
    assertThat(s.getCfgScale()).isEqualTo(1f);
    assertThat(s.getTimeShift()).isEqualTo(1f);
    assertThat(s.hasSeed()).isFalse();
  }

  @Test
  void samplingKeepsAnUnrecognizedSolverForTheCallerToRefuse() {
    Sampling in = Sampling.newBuilder().setSolverValue(99).build();
    assertThat(RequestDefaults.sampling(in, DEF_SAMPLING).getSolverValue()).isEqualTo(99);
  }

  @Test
  void outputFormatAndTileSize() {
    assertThat(RequestDefaults.output(Output.getDefaultInstance(), Modality.IMAGE))
        .isEqualTo(Output.newBuilder().setFormat(OutputFormat.PNG).setTileSize(512).build());
    assertThat(RequestDefaults.output(Output.getDefaultInstance(), Modality.AUDIO).getFormat())
        .isEqualTo(OutputFormat.WAV);
    Output own =
        Output.newBuilder().setFormat(OutputFormat.PNG).setTileSize(128).setPreviewEvery(5).build();
    assertThat(RequestDefaults.output(own, Modality.VIDEO)).isEqualTo(own);
    // A format that does not fit the modality is the caller's to refuse.
    assertThat(
            RequestDefaults.output(
                    Output.newBuilder().setFormat(OutputFormat.WAV).build(), Modality.IMAGE)
                .getFormat())
        .isEqualTo(OutputFormat.WAV);
  }

  @Test
  void priority() {
    assertThat(RequestDefaults.priority(0)).isEqualTo(5);
    assertThat(RequestDefaults.priority(9)).isEqualTo(9);
    assertThat(RequestDefaults.priority(1)).isEqualTo(1);
  }
}

package dev.lumina.gateway;

import dev.lumina.proto.cluster.v1.ModelCard;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.ModelInfo;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.proto.v1.Solver;

/** Model cards for gateway tests: a latent picture model and an audio model. */
final class TestModels {
  static final String PICTURES = "flag-dit-test";
  static final String AUDIO = "flag-dit-audio";

  private TestModels() {}

  static ModelCard pictures() {
    return ModelCard.newBuilder()
        .setInfo(
            ModelInfo.newBuilder()
                .setName(PICTURES)
                .addModalities(Modality.IMAGE)
                .addModalities(Modality.VIDEO)
                .addModalities(Modality.MULTIVIEW)
                .setDownsample(8)
                .setPatchSize(2)
                .setPixelUnit(16)
                .setLatentChannels(4)
                .setMaxTokens(300_000)
                .setMinSide(256)
                .setMaxSide(2048)
                .setMaxAspect(4f)
                .setMaxFrames(16)
                .setMaxViews(8)
                .setMaxSteps(100)
                .setMaxPromptBytes(512)
                .setDefaultGeometry(
                    Geometry.newBuilder().setWidth(512).setHeight(512).setFrames(8).setViews(4))
                .setDefaultSampling(
                    Sampling.newBuilder()
                        .setSteps(30)
                        .setSolver(Solver.EULER)
                        .setCfgScale(4f)
                        .setTimeShift(6f))
                .setLayers(4)
                .setDim(64)
                .setHeads(4)
                .setTrainSide(512))
        .build();
  }

  static ModelCard audio() {
    return ModelCard.newBuilder()
        .setInfo(
            ModelInfo.newBuilder()
                .setName(AUDIO)
                .addModalities(Modality.AUDIO)
                .setDownsample(1)
                .setPatchSize(1)
                .setPixelUnit(1)
                .setMaxTokens(131_072)
                .setMaxDurationS(30f)
                .setMaxSteps(100)
                .setMaxPromptBytes(512)
                .setDefaultGeometry(Geometry.newBuilder().setDurationS(5f))
                .setDefaultSampling(Sampling.newBuilder().setSteps(30)))
        .setAudioFramesPerSecond(25)
        .build();
  }
}

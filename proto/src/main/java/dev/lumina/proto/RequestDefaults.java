package dev.lumina.proto;

import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.Output;
import dev.lumina.proto.v1.OutputFormat;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.proto.v1.Solver;

/**
 * What the fields of a {@code GenerateRequest} left at 0 or unspecified mean (see {@code
 * lumina/v1/generation.proto}): the model card's {@code default_geometry} and {@code
 * default_sampling}, then the API's own defaults (EULER, {@code cfg_scale} 1, {@code time_shift} 1,
 * PNG or WAV, tiles of 512, priority 5). The gateway applies them before it checks a request; a
 * worker applies them again, so a job published by another producer runs the same.
 *
 * <p>Only defaults: nothing is checked against the model's limits, and a value with no default (an
 * unrecognized enum value, a field that does not apply to the modality) is left for the caller to
 * refuse. Stateless.
 */
public final class RequestDefaults {
  /** Priority of a request that sets 0. */
  public static final int PRIORITY = 5;

  /** {@code Output.tile_size} of a request that sets 0. */
  public static final int TILE_SIZE = 512;

  private RequestDefaults() {}

  /**
   * The geometry fields that apply to {@code modality}, each 0 replaced by the model's default:
   * width and height for pictures (every modality but AUDIO), frames for VIDEO, views for
   * MULTIVIEW, duration for AUDIO. Fields that do not apply are 0 in the result.
   */
  public static Geometry geometry(Geometry in, Modality modality, Geometry modelDefaults) {
    Modality m = Modalities.orDefault(modality);
    Geometry.Builder out = Geometry.newBuilder();
    if (m != Modality.AUDIO) {
      out.setWidth(in.getWidth() == 0 ? modelDefaults.getWidth() : in.getWidth())
          .setHeight(in.getHeight() == 0 ? modelDefaults.getHeight() : in.getHeight());
    }
    if (m == Modality.VIDEO) {
      out.setFrames(in.getFrames() == 0 ? modelDefaults.getFrames() : in.getFrames());
    }
    if (m == Modality.MULTIVIEW) {
      out.setViews(in.getViews() == 0 ? modelDefaults.getViews() : in.getViews());
    }
    if (m == Modality.AUDIO) {
      out.setDurationS(in.getDurationS() == 0f ? modelDefaults.getDurationS() : in.getDurationS());
    }
    return out.build();
  }

  /**
   * {@code in} with steps, solver, {@code cfg_scale} and {@code time_shift} at 0 / unspecified
   * taken from the model's defaults; a solver still unspecified becomes EULER, a scale or shift
   * still 0 becomes 1. Seed and {@code full_channel_cfg} are kept as they are.
   */
  public static Sampling sampling(Sampling in, Sampling modelDefaults) {
    Sampling.Builder out = in.toBuilder();
    out.setSteps(in.getSteps() == 0 ? modelDefaults.getSteps() : in.getSteps());
    if (in.getSolver() == Solver.SOLVER_UNSPECIFIED) {
      out.setSolverValue(
          modelDefaults.getSolver() == Solver.SOLVER_UNSPECIFIED
              ? Solver.EULER_VALUE
              : modelDefaults.getSolverValue());
    }
    float cfg = in.getCfgScale() == 0f ? modelDefaults.getCfgScale() : in.getCfgScale();
    out.setCfgScale(cfg == 0f ? 1f : cfg);
    float shift = in.getTimeShift() == 0f ? modelDefaults.getTimeShift() : in.getTimeShift();
    out.setTimeShift(shift == 0f ? 1f : shift);
    return out.build();
  }

  /**
   * {@code in} with an unspecified format replaced by WAV for AUDIO and PNG otherwise, and a {@code
   * tile_size} of 0 by {@link #TILE_SIZE}.
   */
  public static Output output(Output in, Modality modality) {
    Output.Builder out = in.toBuilder();
    if (in.getFormat() == OutputFormat.OUTPUT_FORMAT_UNSPECIFIED) {
      out.setFormat(
          Modalities.orDefault(modality) == Modality.AUDIO ? OutputFormat.WAV : OutputFormat.PNG);
    }
    if (in.getTileSize() == 0) {
      out.setTileSize(TILE_SIZE);
    }
    return out.build();
  }

  /** {@code priority}, or {@link #PRIORITY} for 0. */
  public static int priority(int priority) {
    return priority == 0 ? PRIORITY : priority;
  }
}

package dev.lumina.gateway;

import dev.lumina.proto.RequestDefaults;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.ModelInfo;

/**
 * Geometry limits per modality: sides a multiple of {@code pixel_unit} within {@code [min_side,
 * max_side]}, aspect within {@code max_aspect}, frames only for VIDEO, views only for MULTIVIEW,
 * duration only for AUDIO. Fields that do not apply must be 0. The model's defaults ({@link
 * RequestDefaults#geometry}) are checked like client values. Stateless.
 */
final class GeometryRules {
  private GeometryRules() {}

  static Geometry resolve(Geometry in, Modality modality, ModelInfo info) {
    Geometry out = RequestDefaults.geometry(in, modality, info.getDefaultGeometry());
    boolean pictures = modality != Modality.AUDIO;
    if (!pictures) {
      zero("geometry.width", in.getWidth(), modality);
      zero("geometry.height", in.getHeight(), modality);
    } else {
      int unit =
          info.getPixelUnit() > 0
              ? info.getPixelUnit()
              : Math.max(1, info.getDownsample()) * Math.max(1, info.getPatchSize());
      int w = side("geometry.width", out.getWidth(), unit, info);
      int h = side("geometry.height", out.getHeight(), unit, info);
      double aspect = Math.max((double) w / h, (double) h / w);
      if (info.getMaxAspect() > 0 && aspect > info.getMaxAspect() + 1e-6) {
        throw new InvalidFieldException(
            "geometry",
            String.format(
                "aspect ratio %dx%d = %.3f exceeds max_aspect %.3f",
                w, h, aspect, info.getMaxAspect()));
      }
    }
    if (modality == Modality.VIDEO) {
      count("geometry.frames", out.getFrames(), info.getMaxFrames(), "max_frames");
    } else {
      zero("geometry.frames", in.getFrames(), modality);
    }
    if (modality == Modality.MULTIVIEW) {
      count("geometry.views", out.getViews(), info.getMaxViews(), "max_views");
    } else {
      zero("geometry.views", in.getViews(), modality);
    }
    if (modality == Modality.AUDIO) {
      float d = out.getDurationS();
      if (!Float.isFinite(d) || d <= 0f || d > info.getMaxDurationS()) {
        throw new InvalidFieldException(
            "geometry.duration_s",
            d
                + " is out of range: finite, (0, "
                + info.getMaxDurationS()
                + "] seconds (max_duration_s)");
      }
    } else if (in.getDurationS() != 0f) {
      throw new InvalidFieldException(
          "geometry.duration_s", "must be 0 for " + modality + " (only AUDIO has a duration)");
    }
    return out;
  }

  private static int side(String field, int value, int unit, ModelInfo info) {
    if (value % unit != 0 || value < info.getMinSide() || value > info.getMaxSide() || value == 0) {
      throw new InvalidFieldException(
          field,
          value
              + " must be a multiple of "
              + unit
              + " (pixel_unit) in ["
              + info.getMinSide()
              + ", "
              + info.getMaxSide()
              + "] (min_side, max_side)");
    }
    return value;
  }

  private static void count(String field, int value, int max, String limitName) {
    if (value < 1 || value > max) {
      throw new InvalidFieldException(
          field, value + " is out of range: 1.." + max + " (" + limitName + ")");
    }
  }

  private static void zero(String field, long value, Modality modality) {
    if (value != 0) {
      throw new InvalidFieldException(
          field, "must be 0 for " + modality + "; this modality has none");
    }
  }
}

package dev.lumina.gateway;

import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.ModelInfo;

/**
 * Geometry limits per modality: sides a multiple of {@code pixel_unit} within
 * {@code [min_side, max_side]}, aspect within {@code max_aspect}, frames only for VIDEO, views only
 * for MULTIVIEW, duration only for AUDIO. Fields that do not apply must be 0. Stateless.
 */
final class GeometryRules {
  private GeometryRules() {}

  static Geometry resolve(Geometry in, Modality modality, ModelInfo info) {
    Geometry def = info.getDefaultGeometry();
    Geometry.Builder out = Geometry.newBuilder();
    boolean pictures = modality != Modality.AUDIO;
    if (!pictures) {
      zero("geometry.width", in.getWidth(), modality);
      zero("geometry.height", in.getHeight(), modality);
    } else {
      int unit = info.getPixelUnit() > 0 ? info.getPixelUnit()
          : Math.max(1, info.getDownsample()) * Math.max(1, info.getPatchSize());
      int w = side("geometry.width", in.getWidth() == 0 ? def.getWidth() : in.getWidth(), unit, info);
      int h = side("geometry.height", in.getHeight() == 0 ? def.getHeight() : in.getHeight(), unit, info);
      double aspect = Math.max((double) w / h, (double) h / w);
      if (info.getMaxAspect() > 0 && aspect > info.getMaxAspect() + 1e-6) {
        throw new InvalidFieldException("geometry", String.format(
            "aspect ratio %dx%d = %.3f exceeds max_aspect %.3f", w, h, aspect, info.getMaxAspect()));
      }
      out.setWidth(w).setHeight(h);
    }
    if (modality == Modality.VIDEO) {
      out.setFrames(count("geometry.frames", in.getFrames() == 0 ? def.getFrames() : in.getFrames(),
          info.getMaxFrames(), "max_frames"));
    } else {
      zero("geometry.frames", in.getFrames(), modality);
    }
    if (modality == Modality.MULTIVIEW) {
      out.setViews(count("geometry.views", in.getViews() == 0 ? def.getViews() : in.getViews(),
          info.getMaxViews(), "max_views"));
    } else {
      zero("geometry.views", in.getViews(), modality);
    }
    if (modality == Modality.AUDIO) {
      float d = in.getDurationS() == 0f ? def.getDurationS() : in.getDurationS();
      if (!Float.isFinite(d) || d <= 0f || d > info.getMaxDurationS()) {
        throw new InvalidFieldException("geometry.duration_s", d + " is out of range: finite, (0, "
            + info.getMaxDurationS() + "] seconds (max_duration_s)");
      }
      out.setDurationS(d);
    } else if (in.getDurationS() != 0f) {
      throw new InvalidFieldException("geometry.duration_s",
          "must be 0 for " + modality + " (only AUDIO has a duration)");
    }
    return out.build();
  }

  private static int side(String field, int value, int unit, ModelInfo info) {
    if (value % unit != 0 || value < info.getMinSide() || value > info.getMaxSide() || value == 0) {
      throw new InvalidFieldException(field, value + " must be a multiple of " + unit
          + " (pixel_unit) in [" + info.getMinSide() + ", " + info.getMaxSide() + "] (min_side, max_side)");
    }
    return value;
  }

  private static int count(String field, int value, int max, String limitName) {
    if (value < 1 || value > max) {
      throw new InvalidFieldException(field, value + " is out of range: 1.." + max + " (" + limitName + ")");
    }
    return value;
  }

  private static void zero(String field, long value, Modality modality) {
    if (value != 0) {
      throw new InvalidFieldException(field, "must be 0 for " + modality + "; this modality has none");
    }
  }
}

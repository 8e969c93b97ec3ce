package dev.lumina.training.data;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders {@link Scene}s with Java2D (antialiased, no randomness: one scene always gives the same
 * pixels).
 *
 * <p>Images put the shape's centre on its grid cell's centre. Videos move the shape linearly from
 * 1/6 to 5/6 of the frame along its direction, on its lane's row or column. Multi-view sets look at
 * the solid from azimuths 30° + k·360°/views at 25° elevation, lit from a fixed direction.
 *
 * <p>Stateless and thread-safe.
 */
public final class SceneRenderer {

  private static final double ELEVATION = Math.toRadians(25);
  private static final double[] LIGHT = normalize(new double[] {-0.4, 0.8, 0.6});

  /** Renders every frame of {@code scene} at {@code width}×{@code height}. */
  public List<BufferedImage> render(Scene scene, int width, int height) {
    if (width < 8 || height < 8) {
      throw new IllegalArgumentException(
          "width and height must be >= 8, got " + width + "x" + height);
    }
    List<BufferedImage> out = new ArrayList<>(scene.frames());
    for (int f = 0; f < scene.frames(); f++) {
      BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = img.createGraphics();
      try {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setColor(scene.background().awt());
        g.fillRect(0, 0, width, height);
        if (scene instanceof Scene.Image s) {
          double cx = (s.cell().col() + 0.5) * width / 3.0;
          double cy = (s.cell().row() + 0.5) * height / 3.0;
          drawShape(
              g, s.shape(), s.color().awt(), cx, cy, s.size().fraction() * Math.min(width, height));
        } else if (scene instanceof Scene.Video s) {
          double progress = 1.0 / 6 + (4.0 / 6) * f / (s.frames() - 1);
          double lane = (s.lane() + 0.5) / 3.0;
          double fx =
              s.direction().dx() == 0 ? lane : s.direction().dx() > 0 ? progress : 1 - progress;
          double fy =
              s.direction().dy() == 0 ? lane : s.direction().dy() > 0 ? progress : 1 - progress;
          drawShape(
              g,
              s.shape(),
              s.color().awt(),
              fx * width,
              fy * height,
              s.size().fraction() * Math.min(width, height));
        } else if (scene instanceof Scene.MultiView s) {
          drawSolid(
              g,
              s.solid(),
              s.color(),
              width,
              height,
              Math.toRadians(30) + 2 * Math.PI * f / s.frames());
        }
      } finally {
        g.dispose();
      }
      out.add(img);
    }
    return out;
  }

  private static void drawShape(
      Graphics2D g, ShapeKind shape, Color color, double cx, double cy, double side) {
    g.setColor(color);
    double h = side / 2;
    switch (shape) {
      case CIRCLE -> g.fill(new Ellipse2D.Double(cx - h, cy - h, side, side));
      case SQUARE -> g.fill(new Rectangle2D.Double(cx - h, cy - h, side, side));
      case TRIANGLE -> g.fill(path(cx, cy - h, cx + h, cy + h, cx - h, cy + h));
      case DIAMOND -> g.fill(path(cx, cy - h, cx + h, cy, cx, cy + h, cx - h, cy));
    }
  }

  private static Path2D path(double... xy) {
    Path2D.Double p = new Path2D.Double();
    p.moveTo(xy[0], xy[1]);
    for (int i = 2; i < xy.length; i += 2) {
      p.lineTo(xy[i], xy[i + 1]);
    }
    p.closePath();
    return p;
  }

  private static void drawSolid(
      Graphics2D g, Solid solid, NamedColor color, int width, int height, double azimuth) {
    double scale = Math.min(width, height) * 0.27;
    double cx = width / 2.0;
    double cy = height / 2.0;
    if (solid == Solid.SPHERE) {
      double r = scale * 1.25;
      g.setPaint(
          new java.awt.RadialGradientPaint(
              new java.awt.geom.Point2D.Double(cx - r * 0.35, cy - r * 0.35),
              (float) (r * 1.6),
              new float[] {0f, 1f},
              new Color[] {shade(color, 1.0), shade(color, 0.35)}));
      g.fill(new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r));
      return;
    }
    double[][] v;
    int[][] faces;
    if (solid == Solid.CUBE) {
      v =
          new double[][] {
            {-1, -1, -1},
            {1, -1, -1},
            {1, 1, -1},
            {-1, 1, -1},
            {-1, -1, 1},
            {1, -1, 1},
            {1, 1, 1},
            {-1, 1, 1}
          };
      faces =
          new int[][] {
            {0, 3, 2, 1}, {4, 5, 6, 7}, {0, 1, 5, 4}, {3, 7, 6, 2}, {0, 4, 7, 3}, {1, 2, 6, 5}
          };
    } else {
      v = new double[][] {{-1, -1, -1}, {1, -1, -1}, {1, -1, 1}, {-1, -1, 1}, {0, 1.2, 0}};
      faces = new int[][] {{0, 1, 2, 3}, {0, 4, 1}, {1, 4, 2}, {2, 4, 3}, {3, 4, 0}};
    }
    double[][] p = new double[v.length][];
    for (int i = 0; i < v.length; i++) {
      p[i] = view(v[i], azimuth);
    }
    List<int[]> visible = new ArrayList<>();
    List<Double> depth = new ArrayList<>();
    List<Double> light = new ArrayList<>();
    for (int[] f : faces) {
      double[] n = normal(p[f[0]], p[f[1]], p[f[2]]);
      double[] centroid = centroid(p, f);
      double[] outward = sub(centroid, new double[] {0, 0, 0});
      if (dot(n, outward) < 0) {
        n = new double[] {-n[0], -n[1], -n[2]};
      }
      if (n[2] <= 1e-6) {
        continue;
      }
      visible.add(f);
      depth.add(centroid[2]);
      light.add(0.35 + 0.65 * Math.max(0, dot(n, LIGHT)));
    }
    Integer[] order = new Integer[visible.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(depth.get(a), depth.get(b)));
    for (int idx : order) {
      int[] f = visible.get(idx);
      Polygon poly = new Polygon();
      for (int vi : f) {
        poly.addPoint(
            (int) Math.round(cx + p[vi][0] * scale), (int) Math.round(cy - p[vi][1] * scale));
      }
      g.setColor(shade(color, light.get(idx)));
      g.fill(poly);
    }
  }

  /**
   * Rotates a model point by the azimuth about the vertical axis, then tilts the camera by the
   * elevation.
   */
  private static double[] view(double[] q, double azimuth) {
    double x = q[0] * Math.cos(azimuth) + q[2] * Math.sin(azimuth);
    double z = -q[0] * Math.sin(azimuth) + q[2] * Math.cos(azimuth);
    double y = q[1];
    double y2 = y * Math.cos(ELEVATION) - z * Math.sin(ELEVATION);
    double z2 = y * Math.sin(ELEVATION) + z * Math.cos(ELEVATION);
    return new double[] {x, y2, z2};
  }

  private static Color shade(NamedColor c, double k) {
    float[] rgb = c.rgb();
    return new Color(clamp(rgb[0] * k), clamp(rgb[1] * k), clamp(rgb[2] * k));
  }

  private static float clamp(double v) {
    return (float) Math.max(0, Math.min(1, v));
  }

  private static double[] centroid(double[][] p, int[] f) {
    double[] c = new double[3];
    for (int i : f) {
      for (int k = 0; k < 3; k++) {
        c[k] += p[i][k] / f.length;
      }
    }
    return c;
  }

  private static double[] normal(double[] a, double[] b, double[] c) {
    double[] u = sub(b, a);
    double[] w = sub(c, a);
    return normalize(
        new double[] {
          u[1] * w[2] - u[2] * w[1], u[2] * w[0] - u[0] * w[2], u[0] * w[1] - u[1] * w[0]
        });
  }

  private static double[] sub(double[] a, double[] b) {
    return new double[] {a[0] - b[0], a[1] - b[1], a[2] - b[2]};
  }

  private static double dot(double[] a, double[] b) {
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  }

  private static double[] normalize(double[] a) {
    double n = Math.sqrt(dot(a, a));
    return new double[] {a[0] / n, a[1] / n, a[2] / n};
  }
}

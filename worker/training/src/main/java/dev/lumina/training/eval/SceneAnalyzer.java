package dev.lumina.training.eval;

import dev.lumina.training.data.Direction;
import dev.lumina.training.data.GridCell;
import dev.lumina.training.data.NamedColor;
import dev.lumina.training.data.ShapeKind;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A deterministic reader of synthetic-world pictures (no learned model), used to score prompt
 * adherence.
 *
 * <p>Steps: the background is the per-channel median of the border pixels; pixels farther than
 * {@value #MIN_CONTRAST} (RGB distance in [0, 1] units) from it are candidates and the
 * brighter-contrast half of them gives the object's colour estimate; a pixel is foreground when it
 * is closer to that estimate than to the background (≈ more than half covered); the largest
 * 8-connected foreground component is the object. Its mean colour gives the nearest {@link
 * NamedColor}. Each pixel's coverage (its place between the background and object colours) gives
 * the object's area and centroid; each shape template (circle, square, triangle, diamond) is
 * rendered with the area and centre those imply, and the one with the highest soft
 * intersection-over-union wins; its centre gives the {@link GridCell}. Motion is the dominant axis
 * of the object's displacement from the first to the last frame where it is found.
 *
 * <p>Stateless and thread-safe.
 */
public final class SceneAnalyzer {

  /** Minimum RGB distance from the background for a pixel to count as a candidate. */
  public static final double MIN_CONTRAST = 0.2;

  /** Reads the main object of {@code image}; empty when nothing stands out from the background. */
  public Optional<Reading> analyze(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    float[][] px = new float[w * h][];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = image.getRGB(x, y);
        px[y * w + x] =
            new float[] {
              ((rgb >> 16) & 0xff) / 255f, ((rgb >> 8) & 0xff) / 255f, (rgb & 0xff) / 255f
            };
      }
    }
    float[] bg = borderMedian(px, w, h);
    double[] dist = new double[px.length];
    int candidates = 0;
    for (int i = 0; i < px.length; i++) {
      dist[i] = distance(px[i], bg);
      if (dist[i] > MIN_CONTRAST) {
        candidates++;
      }
    }
    if (candidates == 0) {
      return Optional.empty();
    }
    Integer[] order = new Integer[px.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(dist[b], dist[a]));
    int strong = Math.max(1, candidates / 2);
    float[] fg = new float[3];
    for (int c = 0; c < 3; c++) {
      float[] values = new float[strong];
      for (int k = 0; k < strong; k++) {
        values[k] = px[order[k]][c];
      }
      Arrays.sort(values);
      fg[c] = values[strong / 2];
    }
    boolean[] mask = new boolean[px.length];
    for (int i = 0; i < px.length; i++) {
      mask[i] = dist[i] > MIN_CONTRAST / 2 && distance(px[i], fg) < dist[i];
    }
    int[] component = largestComponent(mask, w, h);
    if (component.length == 0) {
      return Optional.empty();
    }
    // Soft coverage of the object: the pixel's position between background and object colour, over
    // the
    // component grown by one pixel so partly covered edge pixels count.
    boolean[] region = new boolean[px.length];
    for (int i : component) {
      int x = i % w;
      int y = i / w;
      for (int dy = -1; dy <= 1; dy++) {
        for (int dx = -1; dx <= 1; dx++) {
          int nx = x + dx;
          int ny = y + dy;
          if (nx >= 0 && ny >= 0 && nx < w && ny < h) {
            region[ny * w + nx] = true;
          }
        }
      }
    }
    float[] mean = new float[3];
    for (int i : component) {
      for (int c = 0; c < 3; c++) {
        mean[c] += px[i][c] / component.length;
      }
    }
    double[] axis = {fg[0] - bg[0], fg[1] - bg[1], fg[2] - bg[2]};
    double axisSq = axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2];
    double[] alpha = new double[px.length];
    double area = 0;
    double sx = 0;
    double sy = 0;
    for (int i = 0; i < px.length; i++) {
      if (region[i]) {
        double a =
            ((px[i][0] - bg[0]) * axis[0]
                    + (px[i][1] - bg[1]) * axis[1]
                    + (px[i][2] - bg[2]) * axis[2])
                / axisSq;
        alpha[i] = Math.max(0, Math.min(1, a));
        area += alpha[i];
        sx += alpha[i] * (i % w + 0.5);
        sy += alpha[i] * (i / w + 0.5);
      }
    }
    double cx = sx / area;
    double cy = sy / area;
    ShapeKind best = ShapeKind.CIRCLE;
    double bestScore = -1;
    double bestCy = cy;
    for (ShapeKind shape : ShapeKind.values()) {
      double side = Math.sqrt(area / fill(shape));
      // A triangle's centroid sits a sixth of its height below its box centre.
      double centerY = shape == ShapeKind.TRIANGLE ? cy - side / 6 : cy;
      double score = softIou(alpha, template(shape, cx, centerY, side, w, h));
      if (score > bestScore) {
        bestScore = score;
        best = shape;
        bestCy = centerY;
      }
    }
    return Optional.of(
        new Reading(
            NamedColor.nearestShapeColor(mean),
            best,
            GridCell.containing(cx, bestCy, w, h),
            cx,
            bestCy,
            component.length,
            bestScore));
  }

  private static double fill(ShapeKind shape) {
    return switch (shape) {
      case CIRCLE -> Math.PI / 4;
      case SQUARE -> 1.0;
      case TRIANGLE, DIAMOND -> 0.5;
    };
  }

  /**
   * The motion direction of the object across {@code frames}; empty if it is found in fewer than
   * two.
   */
  public Optional<Direction> motion(List<BufferedImage> frames) {
    Reading first = null;
    Reading last = null;
    for (BufferedImage f : frames) {
      Optional<Reading> r = analyze(f);
      if (r.isPresent()) {
        if (first == null) {
          first = r.get();
        }
        last = r.get();
      }
    }
    if (first == null || first == last) {
      return Optional.empty();
    }
    return Optional.of(
        Direction.of(last.centerX() - first.centerX(), last.centerY() - first.centerY()));
  }

  private static float[] borderMedian(float[][] px, int w, int h) {
    int n = 2 * w + 2 * (h - 2);
    float[][] channels = new float[3][n];
    int k = 0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (y == 0 || y == h - 1 || x == 0 || x == w - 1) {
          for (int c = 0; c < 3; c++) {
            channels[c][k] = px[y * w + x][c];
          }
          k++;
        }
      }
    }
    float[] out = new float[3];
    for (int c = 0; c < 3; c++) {
      Arrays.sort(channels[c]);
      out[c] = channels[c][n / 2];
    }
    return out;
  }

  private static int[] largestComponent(boolean[] mask, int w, int h) {
    int[] label = new int[mask.length];
    int bestLabel = 0;
    int bestSize = 0;
    int next = 1;
    ArrayDeque<Integer> queue = new ArrayDeque<>();
    for (int start = 0; start < mask.length; start++) {
      if (!mask[start] || label[start] != 0) {
        continue;
      }
      int size = 0;
      label[start] = next;
      queue.add(start);
      while (!queue.isEmpty()) {
        int i = queue.poll();
        size++;
        int x = i % w;
        int y = i / w;
        for (int dy = -1; dy <= 1; dy++) {
          for (int dx = -1; dx <= 1; dx++) {
            int nx = x + dx;
            int ny = y + dy;
            if (nx >= 0
                && ny >= 0
                && nx < w
                && ny < h
                && mask[ny * w + nx]
                && label[ny * w + nx] == 0) {
              label[ny * w + nx] = next;
              queue.add(ny * w + nx);
            }
          }
        }
      }
      if (size > bestSize) {
        bestSize = size;
        bestLabel = next;
      }
      next++;
    }
    int[] out = new int[bestSize];
    int k = 0;
    for (int i = 0; i < label.length && bestSize > 0; i++) {
      if (label[i] == bestLabel) {
        out[k++] = i;
      }
    }
    return out;
  }

  private static double[] template(
      ShapeKind shape, double cx, double cy, double side, int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      g.setColor(Color.WHITE);
      double r = side / 2;
      switch (shape) {
        case CIRCLE -> g.fill(new Ellipse2D.Double(cx - r, cy - r, side, side));
        case SQUARE -> g.fill(new Rectangle2D.Double(cx - r, cy - r, side, side));
        case TRIANGLE -> g.fill(polygon(cx, cy - r, cx + r, cy + r, cx - r, cy + r));
        case DIAMOND -> g.fill(polygon(cx, cy - r, cx + r, cy, cx, cy + r, cx - r, cy));
      }
    } finally {
      g.dispose();
    }
    double[] out = new double[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        out[y * w + x] = (img.getRGB(x, y) & 0xff) / 255.0;
      }
    }
    return out;
  }

  private static Path2D polygon(double... xy) {
    Path2D.Double p = new Path2D.Double();
    p.moveTo(xy[0], xy[1]);
    for (int i = 2; i < xy.length; i += 2) {
      p.lineTo(xy[i], xy[i + 1]);
    }
    p.closePath();
    return p;
  }

  private static double softIou(double[] a, double[] b) {
    double inter = 0;
    double union = 0;
    for (int i = 0; i < a.length; i++) {
      inter += Math.min(a[i], b[i]);
      union += Math.max(a[i], b[i]);
    }
    return union == 0 ? 0 : inter / union;
  }

  private static double distance(float[] a, float[] b) {
    double dr = a[0] - b[0];
    double dg = a[1] - b[1];
    double db = a[2] - b[2];
    return Math.sqrt(dr * dr + dg * dg + db * db);
  }
}

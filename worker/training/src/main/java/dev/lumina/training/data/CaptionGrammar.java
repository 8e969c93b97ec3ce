package dev.lumina.training.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Captions for {@link Scene}s from a small grammar with paraphrases: several sentence templates,
 * synonyms for shapes and sizes, and several phrasings of each position and direction. {@link
 * #canonical} gives the one plain form used for evaluation prompts (for example "a small red circle
 * at the top left on a blue background"); {@link #paraphrase} draws a variant from a
 * caller-supplied random stream.
 *
 * <p>Stateless and thread-safe.
 */
public final class CaptionGrammar {

  private static final int IMAGE_TEMPLATES = 7;
  private static final int VIDEO_TEMPLATES = 5;
  private static final int VIEW_TEMPLATES = 4;

  /** The canonical caption: first synonym of every word, template 0. */
  public String canonical(Scene scene) {
    return build(scene, null);
  }

  /** A random paraphrase of {@code scene}'s caption. */
  public String paraphrase(Scene scene, SplittableRandom random) {
    return build(scene, random);
  }

  /** Every word any caption can contain (for building the vocabulary). */
  public List<String> vocabularyCorpus() {
    List<String> corpus = new ArrayList<>();
    for (int t = 0; t < IMAGE_TEMPLATES; t++) {
      corpus.add(imageTemplate(t, "s", "c", "sh", "p", "l", "bg"));
    }
    for (int t = 0; t < VIDEO_TEMPLATES; t++) {
      corpus.add(videoTemplate(t, "s", "c", "sh", "d", "bg"));
    }
    for (int t = 0; t < VIEW_TEMPLATES; t++) {
      corpus.add(viewTemplate(t, "c", "o", "bg"));
    }
    TreeSet<String> words = new TreeSet<>();
    for (NamedColor c : NamedColor.values()) {
      words.add(c.word());
    }
    for (ShapeKind s : ShapeKind.values()) {
      words.addAll(s.words());
    }
    for (SizeClass s : SizeClass.values()) {
      words.addAll(s.words());
    }
    for (GridCell c : GridCell.values()) {
      words.addAll(c.phrases());
      words.addAll(c.labels());
    }
    for (Direction d : Direction.values()) {
      words.addAll(d.words());
    }
    for (Solid s : Solid.values()) {
      words.add(s.word());
    }
    corpus.addAll(words);
    return corpus;
  }

  private String build(Scene scene, SplittableRandom r) {
    if (scene instanceof Scene.Image s) {
      return imageTemplate(
          pick(r, IMAGE_TEMPLATES),
          pick(r, s.size().words()),
          s.color().word(),
          pick(r, s.shape().words()),
          pick(r, s.cell().phrases()),
          pick(r, s.cell().labels()),
          s.background().word());
    }
    if (scene instanceof Scene.Video s) {
      return videoTemplate(
          pick(r, VIDEO_TEMPLATES),
          pick(r, s.size().words()),
          s.color().word(),
          pick(r, s.shape().words()),
          pick(r, s.direction().words()),
          s.background().word());
    }
    Scene.MultiView s = (Scene.MultiView) scene;
    return viewTemplate(
        pick(r, VIEW_TEMPLATES), s.color().word(), s.solid().word(), s.background().word());
  }

  private static String imageTemplate(
      int t, String size, String color, String shape, String pos, String label, String bg) {
    return switch (t) {
      case 0 -> "a " + size + " " + color + " " + shape + " " + pos + " on a " + bg + " background";
      case 1 -> "a " + color + " " + shape + " " + pos;
      case 2 -> label + ": a " + size + " " + color + " " + shape;
      case 3 -> "a " + size + " " + color + " " + shape + " " + pos;
      case 4 -> bg + " background, " + size + " " + color + " " + shape + " " + pos;
      case 5 -> "there is a " + color + " " + shape + " " + pos + " on " + bg;
      default -> label + ", a " + size + " " + color + " " + shape + " on a " + bg + " background";
    };
  }

  private static String videoTemplate(
      int t, String size, String color, String shape, String dir, String bg) {
    return switch (t) {
      case 0 ->
          "a "
              + size
              + " "
              + color
              + " "
              + shape
              + " moving "
              + dir
              + " on a "
              + bg
              + " background";
      case 1 -> "a " + color + " " + shape + " moving " + dir;
      case 2 -> "a " + color + " " + shape + " slides " + dir + " on " + bg;
      case 3 -> "video of a " + size + " " + color + " " + shape + " going " + dir;
      default -> bg + " background, a " + color + " " + shape + " moves " + dir;
    };
  }

  private static String viewTemplate(int t, String color, String solid, String bg) {
    return switch (t) {
      case 0 -> "a " + color + " " + solid + " on a " + bg + " background";
      case 1 -> "views around a " + color + " " + solid;
      case 2 -> "a " + color + " " + solid + " seen from four sides on " + bg;
      default -> "multi-view: " + color + " " + solid + ", " + bg + " background";
    };
  }

  private static int pick(SplittableRandom r, int n) {
    return r == null ? 0 : r.nextInt(n);
  }

  private static String pick(SplittableRandom r, List<String> options) {
    return options.get(pick(r, options.size()));
  }
}

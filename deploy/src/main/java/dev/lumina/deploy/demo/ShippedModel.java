package dev.lumina.deploy.demo;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where the model shipped in the repository ({@value #RELATIVE_DIR}) lives, for {@code serve} and
 * {@code demo} run without {@code --model}. Looked for, in order: under the folder named by the
 * system property {@value #HOME_PROPERTY} (only there, when it is set); then under the launcher's
 * own location and its parents (the repository root of {@code deploy/target/lumina.jar}); then
 * under the working directory. Stateless.
 */
public final class ShippedModel {
  /** The shipped model's folder relative to the repository root. */
  public static final String RELATIVE_DIR = "models/lumina-shapes-32";

  /** System property naming the repository (or install) root. */
  public static final String HOME_PROPERTY = "lumina.home";

  /** The weights file whose presence marks a model directory. */
  private static final String WEIGHTS = "model.safetensors";

  /** How many parents of the launcher's location are searched. */
  private static final int PARENTS_SEARCHED = 4;

  private ShippedModel() {}

  /**
   * {@code given} when not null, else the shipped model's directory.
   *
   * @throws IllegalArgumentException when {@code given} is null and the shipped model is found in
   *     none of the places searched; the message lists them and says how to name a model instead
   */
  public static Path orShipped(Path given) {
    if (given != null) {
      return given;
    }
    List<Path> searched =
        candidates(System.getProperty(HOME_PROPERTY), launcherLocation(), Path.of(""));
    return find(searched)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "no --model given and the shipped model "
                        + RELATIVE_DIR
                        + " is not in "
                        + searched
                        + "; pass --model DIR, set LUMINA_MODEL, or run from the repository (-D"
                        + HOME_PROPERTY
                        + "=ROOT)"));
  }

  /** The first candidate that holds model weights. */
  static Optional<Path> find(List<Path> candidates) {
    return candidates.stream().filter(p -> Files.isRegularFile(p.resolve(WEIGHTS))).findFirst();
  }

  /**
   * The directories searched, in order: only {@code home}'s when it is set, else those under the
   * launcher location and its parents, then under {@code workingDir}.
   */
  static List<Path> candidates(String home, Path launcher, Path workingDir) {
    if (home != null && !home.isBlank()) {
      return List.of(Path.of(home).toAbsolutePath().normalize().resolve(RELATIVE_DIR));
    }
    Set<Path> out = new LinkedHashSet<>();
    Path p = launcher == null ? null : launcher.toAbsolutePath().normalize();
    for (int i = 0; p != null && i <= PARENTS_SEARCHED; i++, p = p.getParent()) {
      out.add(p.resolve(RELATIVE_DIR));
    }
    out.add(workingDir.toAbsolutePath().normalize().resolve(RELATIVE_DIR));
    return new ArrayList<>(out);
  }

  /** The folder holding the launcher's jar or classes folder, or null when unknown. */
  private static Path launcherLocation() {
    try {
      var source = ShippedModel.class.getProtectionDomain().getCodeSource();
      return source == null ? null : Path.of(source.getLocation().toURI()).getParent();
    } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
      return null;
    }
  }
}

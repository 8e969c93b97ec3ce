package dev.lumina.training.verify;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The reference vector sets shipped with the engine's tests (src/test/resources/parity). */
final class ReferenceVectors {

  private ReferenceVectors() {}

  static Path dir(String set) {
    try {
      return Path.of(
              ReferenceVectors.class.getResource("/parity/" + set + "/outputs.safetensors").toURI())
          .getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}

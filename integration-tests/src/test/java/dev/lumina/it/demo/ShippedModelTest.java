package dev.lumina.it.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.deploy.demo.ShippedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where {@code serve} and {@code demo} find the model shipped in the repository when given no
 * {@code --model}.
 */
class ShippedModelTest {
  @TempDir Path home;
  private final String before = System.getProperty(ShippedModel.HOME_PROPERTY);

  @AfterEach
  void restoreProperty() {
    if (before == null) {
      System.clearProperty(ShippedModel.HOME_PROPERTY);
    } else {
      System.setProperty(ShippedModel.HOME_PROPERTY, before);
    }
  }

  @Test
  void aGivenDirectoryIsUsedAsIs() {
    Path given = Path.of("some", "model");
    assertThat(ShippedModel.orShipped(given)).isSameAs(given);
  }

  @Test
  void theModelUnderLuminaHomeIsFound() throws Exception {
    Path dir = Files.createDirectories(home.resolve(ShippedModel.RELATIVE_DIR));
    Files.write(dir.resolve("model.safetensors"), new byte[] {0});
    System.setProperty(ShippedModel.HOME_PROPERTY, home.toString());
    assertThat(ShippedModel.orShipped(null)).isEqualTo(dir.toAbsolutePath().normalize());
  }

  @Test
  void aMissingShippedModelIsAClearErrorNamingWhereItLookedAndWhatToPass() {
    System.setProperty(ShippedModel.HOME_PROPERTY, home.toString());
    assertThatThrownBy(() -> ShippedModel.orShipped(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(home.resolve(ShippedModel.RELATIVE_DIR).toString())
        .hasMessageContaining("--model DIR");
  }
}

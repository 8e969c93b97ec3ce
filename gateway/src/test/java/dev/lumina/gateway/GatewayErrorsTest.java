package dev.lumina.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GatewayErrorsTest {

  @Test
  void shortInputIsQuotedWhole() {
    assertThat(GatewayErrors.quote("flag-dit")).isEqualTo("'flag-dit'");
    assertThat(GatewayErrors.quote("")).isEqualTo("''");
  }

  @Test
  void longInputIsCutAtSixtyFourBytesAndMarkedWithItsSize() {
    assertThat(GatewayErrors.quote("x".repeat(10_000)))
        .isEqualTo("'" + "x".repeat(64) + "…(10000 bytes)'");
  }

  @Test
  void theCutNeverSplitsACharacter() {
    // 'é' is two UTF-8 bytes: 32 fit in 64 bytes, the 33rd does not.
    assertThat(GatewayErrors.quote("é".repeat(40)))
        .isEqualTo("'" + "é".repeat(32) + "…(80 bytes)'");
  }

  @Test
  void controlCharactersAreEscaped() {
    assertThat(GatewayErrors.quote("a\nb")).isEqualTo("'a\\u000ab'");
  }
}

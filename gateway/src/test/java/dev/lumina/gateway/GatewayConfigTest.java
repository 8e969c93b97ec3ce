package dev.lumina.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GatewayConfigTest {

  @Test
  void theBuilderStartsFromTheDeclaredDefaultsAndAdvertisesTheBindHost() {
    GatewayConfig c = GatewayConfig.builder("127.0.0.1:9092").bindHost("10.0.0.5").build();
    assertThat(c.port()).isEqualTo(GatewayConfig.DEFAULT_PORT);
    assertThat(c.chunkSinkPort()).isEqualTo(GatewayConfig.DEFAULT_CHUNK_SINK_PORT);
    assertThat(c.advertisedHost()).isEqualTo("10.0.0.5");
    assertThat(c.maxInboundMessageBytes()).isEqualTo(GatewayConfig.DEFAULT_MAX_INBOUND_BYTES);
    assertThat(c.maxJobs()).isEqualTo(GatewayConfig.DEFAULT_MAX_JOBS);
    assertThat(c.publishTimeout()).isEqualTo(GatewayConfig.DEFAULT_PUBLISH_TIMEOUT);
    assertThat(c.lookupWait()).isEqualTo(GatewayConfig.DEFAULT_LOOKUP_WAIT);
    assertThat(c.apiKeys().isAnonymous()).isTrue();
    assertThat(c.toBuilder().advertisedHost("gw1.internal").build().advertisedHost())
        .isEqualTo("gw1.internal");
  }

  @Test
  void localUsesFreePortsAndOtherwiseTheDefaults() {
    GatewayConfig local = GatewayConfig.local("127.0.0.1:9092");
    assertThat(local.port()).isZero();
    assertThat(local.chunkSinkPort()).isZero();
    assertThat(
            local.toBuilder()
                .port(GatewayConfig.DEFAULT_PORT)
                .chunkSinkPort(GatewayConfig.DEFAULT_CHUNK_SINK_PORT)
                .build())
        .isEqualTo(GatewayConfig.builder("127.0.0.1:9092").build());
  }

  @Test
  void aValueOutOfRangeIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> GatewayConfig.builder("k:1").port(70_000).build())
        .hasMessageContaining("port must be in 0..65535");
    assertThatThrownBy(() -> GatewayConfig.builder("k:1").maxInboundMessageBytes(10).build())
        .hasMessageContaining("max-message-bytes must be >= 1024");
    assertThatThrownBy(() -> GatewayConfig.builder(" ").apiKeys(ApiKeys.anonymous()).build())
        .hasMessageContaining("kafka");
  }
}

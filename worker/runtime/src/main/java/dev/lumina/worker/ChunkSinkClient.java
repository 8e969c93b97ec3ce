package dev.lumina.worker;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Channels to the gateways' {@code lumina.cluster.v1.ChunkSink} services, one per gateway address,
 * opened on first use and kept for later jobs of the same gateway, each with a Resilience4j {@link
 * CircuitBreaker}: once half of a gateway's last {@value #BREAKER_WINDOW} calls (at least {@value
 * #BREAKER_MIN_CALLS}) failed, jobs stop opening calls to it for {@link #BREAKER_OPEN_WAIT} and
 * their chunks reach it through {@code lumina.chunks} only, instead of each job waiting out a dead
 * gateway's ack timeout.
 *
 * <p>Thread-safe. {@link #close()} shuts every channel down.
 */
public final class ChunkSinkClient implements AutoCloseable {

  /** Largest chunk message accepted either way (a tile of up to 4096² pixels fits). */
  static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

  private final Function<String, ManagedChannel> channelFactory;
  private final Duration ackTimeout;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  static final int BREAKER_WINDOW = 6;
  static final int BREAKER_MIN_CALLS = 2;
  static final Duration BREAKER_OPEN_WAIT = Duration.ofSeconds(10);

  private final CircuitBreakerRegistry breakers =
      CircuitBreakerRegistry.of(
          CircuitBreakerConfig.custom()
              .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
              .slidingWindowSize(BREAKER_WINDOW)
              .minimumNumberOfCalls(BREAKER_MIN_CALLS)
              .failureRateThreshold(50)
              .waitDurationInOpenState(BREAKER_OPEN_WAIT)
              .permittedNumberOfCallsInHalfOpenState(1)
              .build());

  /** Plaintext channels to {@code host:port} gateway addresses. */
  public ChunkSinkClient(Duration ackTimeout) {
    this(InsecureChannelCredentials.create(), ackTimeout);
  }

  /**
   * Channels to {@code host:port} gateway addresses secured by {@code credentials} (TLS to a
   * ChunkSink port that has it; the host of the address is checked against the gateway's
   * certificate unless the credentials say otherwise).
   */
  public ChunkSinkClient(ChannelCredentials credentials, Duration ackTimeout) {
    this(
        target ->
            Grpc.newChannelBuilder(target, credentials)
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .build(),
        ackTimeout);
  }

  /** Channels made by {@code channelFactory} (for in-process transports in tests). */
  public ChunkSinkClient(Function<String, ManagedChannel> channelFactory, Duration ackTimeout) {
    if (ackTimeout == null || ackTimeout.isNegative() || ackTimeout.isZero()) {
      throw new IllegalArgumentException("chunk ack timeout must be > 0, got " + ackTimeout);
    }
    this.channelFactory = channelFactory;
    this.ackTimeout = ackTimeout;
  }

  ManagedChannel channel(String gateway) {
    return channels.computeIfAbsent(gateway, channelFactory);
  }

  /** The breaker of calls to {@code gateway}. */
  CircuitBreaker breaker(String gateway) {
    return breakers.circuitBreaker(gateway);
  }

  Duration ackTimeout() {
    return ackTimeout;
  }

  @Override
  public void close() {
    for (ManagedChannel c : channels.values()) {
      c.shutdown();
    }
    for (ManagedChannel c : channels.values()) {
      try {
        if (!c.awaitTermination(5, TimeUnit.SECONDS)) {
          c.shutdownNow();
        }
      } catch (InterruptedException e) {
        c.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    channels.clear();
  }
}

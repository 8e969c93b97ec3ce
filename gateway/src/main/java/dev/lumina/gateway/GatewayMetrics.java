package dev.lumina.gateway;

import dev.lumina.proto.Modalities;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.Job;
import dev.lumina.proto.v1.Modality;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's meters, taken from its public calls, in Prometheus names: {@code
 * lumina_gateway_requests_total{rpc,status}}, {@code
 * lumina_gateway_accepted_jobs_total{modality,tier}}, {@code
 * lumina_gateway_time_to_accepted_seconds} (call start to the job being durable), {@code
 * lumina_gateway_open_streams} (Generate and Watch streams open now), {@code
 * lumina_gateway_chunk_bytes_total} (bytes of chunks sent to clients) and {@code
 * lumina_gateway_refused_total{tenant,status}} (requests refused for the caller's key, its input or
 * its share: UNAUTHENTICATED, INVALID_ARGUMENT, RESOURCE_EXHAUSTED). Thread-safe.
 */
final class GatewayMetrics implements ServerInterceptor {
  private static final Set<Status.Code> REFUSALS =
      Set.of(
          Status.Code.UNAUTHENTICATED,
          Status.Code.INVALID_ARGUMENT,
          Status.Code.RESOURCE_EXHAUSTED);

  private final MeterRegistry registry;
  private final AtomicInteger openStreams = new AtomicInteger();
  private final Timer timeToAccepted;
  private final Counter chunkBytes;

  GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
    registry.gauge("lumina.gateway.open.streams", openStreams);
    this.timeToAccepted =
        Timer.builder("lumina.gateway.time.to.accepted")
            .description("From the request's arrival to its job being durable in Kafka")
            .publishPercentileHistogram()
            .register(registry);
    this.chunkBytes =
        Counter.builder("lumina.gateway.chunk.bytes")
            .description("Bytes of chunks streamed to clients")
            .baseUnit("bytes")
            .register(registry);
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    String rpc = call.getMethodDescriptor().getBareMethodName();
    boolean streaming =
        call.getMethodDescriptor().getType() == MethodDescriptor.MethodType.SERVER_STREAMING;
    long started = System.nanoTime();
    if (streaming) {
      openStreams.incrementAndGet();
    }
    ServerCall<Q, A> counted =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          private boolean accepted;

          @Override
          public void sendMessage(A message) {
            if (message instanceof GenerationChunk c) {
              chunkBytes.increment(c.getSerializedSize());
              if (!accepted && c.hasAccepted()) {
                accepted = true;
                accepted(
                    c.getAccepted().getResolved().getModality(),
                    c.getAccepted().getTier(),
                    started);
              }
            } else if (message instanceof Job j && "Submit".equals(rpc) && !accepted) {
              accepted = true;
              accepted(j.getModality(), j.getTier(), started);
            }
            super.sendMessage(message);
          }

          @Override
          public void close(Status status, Metadata trailers) {
            if (streaming) {
              openStreams.decrementAndGet();
            }
            String code = status.getCode().name();
            Counter.builder("lumina.gateway.requests")
                .description("Public calls answered, by method and gRPC status")
                .tag("rpc", rpc)
                .tag("status", code)
                .register(registry)
                .increment();
            if (REFUSALS.contains(status.getCode())) {
              Counter.builder("lumina.gateway.refused")
                  .description("Calls refused for the caller's key, input or share, by tenant")
                  .tag("tenant", Tenancy.current())
                  .tag("status", code)
                  .register(registry)
                  .increment();
            }
            super.close(status, trailers);
          }
        };
    return next.startCall(counted, headers);
  }

  private void accepted(Modality modality, String tier, long startedNanos) {
    timeToAccepted.record(Duration.ofNanos(System.nanoTime() - startedNanos));
    Counter.builder("lumina.gateway.accepted.jobs")
        .description("Jobs made durable, by modality and tier")
        .tag("modality", Modalities.orDefault(modality).name().toLowerCase(Locale.ROOT))
        .tag("tier", tier.isEmpty() ? "none" : tier)
        .register(registry)
        .increment();
  }
}

package dev.lumina.gateway;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.util.Set;

/**
 * Who is calling: maps the {@code x-api-key} header to a tenant through {@link ApiKeys} and puts it
 * in the call's {@link Context}. With {@link ApiKeys#anonymous()} every caller is the {@link
 * #DEFAULT_TENANT} (a key sent anyway is ignored); otherwise a missing or unknown key is refused
 * with {@code UNAUTHENTICATED} before any service sees the call (gRPC health excepted: {@link
 * #OPEN_SERVICES}). The description never repeats the key. Thread-safe (as {@link ApiKeys} is).
 */
final class Tenancy implements ServerInterceptor {
  static final String DEFAULT_TENANT = "default";
  static final Metadata.Key<String> API_KEY =
      Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> TENANT = Context.key("lumina-tenant");

  /**
   * Services answered without a key: health, so load balancers and probes need no secret. Every
   * other service on the port, reflection included, needs one.
   */
  static final Set<String> OPEN_SERVICES = Set.of(HealthGrpc.SERVICE_NAME);

  private final ApiKeys keys;

  Tenancy(ApiKeys keys) {
    this.keys = keys;
  }

  /** The tenant of the current call (the default tenant outside an intercepted call). */
  static String current() {
    String t = TENANT.get();
    return t == null ? DEFAULT_TENANT : t;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    if (OPEN_SERVICES.contains(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    String tenant = DEFAULT_TENANT;
    if (!keys.isAnonymous()) {
      String key = headers.get(API_KEY);
      boolean missing = key == null || key.isEmpty();
      tenant = missing ? null : keys.tenantOf(key).orElse(null);
      if (tenant == null) {
        call.close(
            Status.UNAUTHENTICATED.withDescription(
                "x-api-key: " + (missing ? "missing" : "unknown key")),
            new Metadata());
        return new ServerCall.Listener<>() {};
      }
    }
    return Contexts.interceptCall(Context.current().withValue(TENANT, tenant), call, headers, next);
  }
}

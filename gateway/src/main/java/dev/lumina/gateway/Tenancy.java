package dev.lumina.gateway;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Map;

/**
 * Who is calling: maps the {@code x-api-key} header to a tenant and puts it in the call's {@link
 * Context}. With no keys configured every caller is the {@link #DEFAULT_TENANT}; with keys, a
 * missing or unknown key is refused with {@code UNAUTHENTICATED}. Immutable and thread-safe.
 */
final class Tenancy implements ServerInterceptor {
  static final String DEFAULT_TENANT = "default";
  static final Metadata.Key<String> API_KEY =
      Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> TENANT = Context.key("lumina-tenant");

  private final Map<String, String> tenantsByKey;

  Tenancy(Map<String, String> tenantsByKey) {
    this.tenantsByKey = Map.copyOf(tenantsByKey);
  }

  /** The tenant of the current call (the default tenant outside an intercepted call). */
  static String current() {
    String t = TENANT.get();
    return t == null ? DEFAULT_TENANT : t;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    String tenant = DEFAULT_TENANT;
    if (!tenantsByKey.isEmpty()) {
      String key = headers.get(API_KEY);
      tenant = key == null ? null : tenantsByKey.get(key);
      if (tenant == null) {
        call.close(
            Status.UNAUTHENTICATED.withDescription(
                "x-api-key: " + (key == null ? "missing" : "unknown key")),
            new Metadata());
        return new ServerCall.Listener<>() {};
      }
    }
    return Contexts.interceptCall(Context.current().withValue(TENANT, tenant), call, headers, next);
  }
}

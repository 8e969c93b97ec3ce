package dev.lumina.gateway;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Message;
import dev.lumina.proto.LogThrottle;
import io.grpc.Attributes;
import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns requests that do not parse (garbage bytes, a truncated message, a string field that is not
 * UTF-8) into {@code INVALID_ARGUMENT} naming the message or the field, with one throttled WARN
 * line instead of a stack trace per request.
 *
 * <p>gRPC parses a request in the server call, before any interceptor or listener sees it, and
 * answers a parse failure with {@code UNKNOWN: Application error processing RPC} plus a logged
 * stack trace. So {@link #guard} rebinds each method of a service to take the request as raw bytes
 * (same names, same schema for reflection) and parses them itself, with the method's own
 * marshaller, inside the call's listener. Interceptors around a guarded service see {@code byte[]}
 * requests. Thread-safe.
 */
final class RequestParsing {
  private static final Logger log = LoggerFactory.getLogger(RequestParsing.class);

  /** A request as the bytes on the wire; parsing is left to {@link Parsing}. */
  static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  /** Longest parser explanation repeated in a status message. */
  private static final int MAX_REASON_CHARS = 200;

  private final LogThrottle throttle;

  /** Logs at most one refusal per method and problem every {@code logInterval}. */
  RequestParsing(Duration logInterval) {
    this.throttle = new LogThrottle(logInterval);
  }

  /** {@code service} with every method taking raw bytes and parsing them as described above. */
  BindableService guard(BindableService service) {
    ServerServiceDefinition def = service.bindService();
    ServiceDescriptor sd = def.getServiceDescriptor();
    List<ServerMethodDefinition<byte[], ?>> methods = new ArrayList<>();
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(sd.getName()).setSchemaDescriptor(sd.getSchemaDescriptor());
    for (ServerMethodDefinition<?, ?> m : def.getMethods()) {
      ServerMethodDefinition<byte[], ?> raw = rebind(m);
      methods.add(raw);
      descriptor.addMethod(raw.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(out::addMethod);
    ServerServiceDefinition guarded = out.build();
    return () -> guarded;
  }

  private <Q, A> ServerMethodDefinition<byte[], A> rebind(ServerMethodDefinition<Q, A> m) {
    MethodDescriptor<Q, A> typed = m.getMethodDescriptor();
    MethodDescriptor<byte[], A> raw = typed.toBuilder(BYTES, typed.getResponseMarshaller()).build();
    ServerCallHandler<byte[], A> handler =
        (call, headers) -> {
          ServerCall.Listener<Q> inner =
              m.getServerCallHandler().startCall(new TypedCall<>(call, typed), headers);
          return new Parsing<>(call, typed, inner);
        };
    return ServerMethodDefinition.create(raw, handler);
  }

  /** Parses each request and hands it on, or closes the call when one does not parse. */
  private final class Parsing<Q, A> extends ServerCall.Listener<byte[]> {
    private final ServerCall<byte[], A> call;
    private final MethodDescriptor<Q, A> typed;
    private final ServerCall.Listener<Q> inner;
    private boolean refused;

    Parsing(
        ServerCall<byte[], A> call, MethodDescriptor<Q, A> typed, ServerCall.Listener<Q> inner) {
      this.call = call;
      this.typed = typed;
      this.inner = inner;
    }

    @Override
    public void onMessage(byte[] bytes) {
      if (refused) {
        return;
      }
      Q request;
      try {
        request = typed.parseRequest(new ByteArrayInputStream(bytes));
      } catch (RuntimeException e) {
        refused = true;
        refuse(bytes, e);
        return;
      }
      inner.onMessage(request);
    }

    private void refuse(byte[] bytes, RuntimeException e) {
      Descriptor type =
          typed.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> p
                  && p.getMessagePrototype() instanceof Message prototype
              ? prototype.getDescriptorForType()
              : null;
      String field = type == null ? null : Utf8Fields.firstInvalid(type, bytes);
      String problem;
      StatusRuntimeException status;
      if (field != null) {
        problem = "invalid UTF-8";
        status = GatewayErrors.invalidArgument(field, field + ": not valid UTF-8");
      } else {
        problem = "unparseable";
        String why =
            String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
        if (why.length() > MAX_REASON_CHARS) {
          why = why.substring(0, MAX_REASON_CHARS) + "…";
        }
        String name = type == null ? typed.getFullMethodName() + " request" : type.getFullName();
        status =
            GatewayErrors.invalidArgument(
                "request", "request: not a valid " + name + " (" + why + ")");
      }
      Metadata trailers = status.getTrailers();
      call.close(status.getStatus(), trailers == null ? new Metadata() : trailers);
      long suppressed = throttle.admit(typed.getFullMethodName() + " " + problem);
      if (suppressed >= 0) {
        log.warn(
            "refused a request to {} ({} bytes) with INVALID_ARGUMENT: {}"
                + " ({} more refused for the same reason since the last such line)",
            typed.getFullMethodName(),
            bytes.length,
            status.getStatus().getDescription(),
            suppressed);
      }
    }

    @Override
    public void onHalfClose() {
      if (!refused) {
        inner.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      inner.onCancel();
    }

    @Override
    public void onComplete() {
      inner.onComplete();
    }

    @Override
    public void onReady() {
      if (!refused) {
        inner.onReady();
      }
    }
  }

  /** The raw call as the service sees it: typed requests, the service's own method descriptor. */
  private static final class TypedCall<Q, A> extends ServerCall<Q, A> {
    private final ServerCall<byte[], A> raw;
    private final MethodDescriptor<Q, A> typed;

    TypedCall(ServerCall<byte[], A> raw, MethodDescriptor<Q, A> typed) {
      this.raw = raw;
      this.typed = typed;
    }

    @Override
    public void request(int numMessages) {
      raw.request(numMessages);
    }

    @Override
    public void sendHeaders(Metadata headers) {
      raw.sendHeaders(headers);
    }

    @Override
    public void sendMessage(A message) {
      raw.sendMessage(message);
    }

    @Override
    public boolean isReady() {
      return raw.isReady();
    }

    @Override
    public void close(Status status, Metadata trailers) {
      raw.close(status, trailers);
    }

    @Override
    public boolean isCancelled() {
      return raw.isCancelled();
    }

    @Override
    public void setMessageCompression(boolean enabled) {
      raw.setMessageCompression(enabled);
    }

    @Override
    public void setCompression(String compressor) {
      raw.setCompression(compressor);
    }

    @Override
    public void setOnReadyThreshold(int numBytes) {
      raw.setOnReadyThreshold(numBytes);
    }

    @Override
    public SecurityLevel getSecurityLevel() {
      return raw.getSecurityLevel();
    }

    @Override
    public Attributes getAttributes() {
      return raw.getAttributes();
    }

    @Override
    public String getAuthority() {
      return raw.getAuthority();
    }

    @Override
    public MethodDescriptor<Q, A> getMethodDescriptor() {
      return typed;
    }
  }
}

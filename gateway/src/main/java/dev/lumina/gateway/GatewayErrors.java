package dev.lumina.gateway;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.QuotaFailure;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The gateway's one mapping from failures to gRPC {@link Status}, and its one way of quoting client
 * input in an error ({@link #quote}), so that no status message grows with the input. Stateless.
 */
final class GatewayErrors {
  /** The most UTF-8 bytes of one piece of client input an error message repeats. */
  static final int MAX_QUOTED_BYTES = 64;

  private GatewayErrors() {}

  static StatusRuntimeException toStatus(Throwable t) {
    if (t instanceof StatusRuntimeException s) {
      return s;
    }
    if (t instanceof StatusException s) {
      return new StatusRuntimeException(s.getStatus(), s.getTrailers());
    }
    if (t instanceof InvalidFieldException e) {
      return invalidArgument(e.field(), e.getMessage());
    }
    if (t instanceof JobPublisher.PublishException e) {
      return withRetryInfo(
          Status.Code.UNAVAILABLE, "job not accepted, retry: " + e.getMessage(), e.retryAfter());
    }
    return Status.INTERNAL
        .withDescription(String.valueOf(t.getMessage()))
        .withCause(t)
        .asRuntimeException();
  }

  /**
   * {@code INVALID_ARGUMENT} with {@code description}, and a {@code google.rpc.BadRequest} detail
   * naming {@code field} so clients can tell the field without reading the text.
   */
  static StatusRuntimeException invalidArgument(String field, String description) {
    BadRequest details =
        BadRequest.newBuilder()
            .addFieldViolations(
                BadRequest.FieldViolation.newBuilder()
                    .setField(field)
                    .setDescription(description)
                    .setReason("INVALID_ARGUMENT"))
            .build();
    return StatusProto.toStatusRuntimeException(
        com.google.rpc.Status.newBuilder()
            .setCode(Status.Code.INVALID_ARGUMENT.value())
            .setMessage(description)
            .addDetails(Any.pack(details))
            .build());
  }

  /**
   * {@code RESOURCE_EXHAUSTED} with {@code description}, a {@code google.rpc.RetryInfo} of {@code
   * retryDelay} and a {@code google.rpc.QuotaFailure} naming the quota ({@code subject} is whose it
   * is, e.g. {@code tenant acme}).
   */
  static StatusRuntimeException resourceExhausted(
      String quota, String subject, String description, Duration retryDelay) {
    QuotaFailure failure =
        QuotaFailure.newBuilder()
            .addViolations(
                QuotaFailure.Violation.newBuilder()
                    .setSubject(subject)
                    .setDescription(quota + ": " + description))
            .build();
    return StatusProto.toStatusRuntimeException(
        com.google.rpc.Status.newBuilder()
            .setCode(Status.Code.RESOURCE_EXHAUSTED.value())
            .setMessage(description)
            .addDetails(Any.pack(retryInfo(retryDelay)))
            .addDetails(Any.pack(failure))
            .build());
  }

  /** A status of {@code code} with a {@code google.rpc.RetryInfo} of {@code retryDelay}. */
  static StatusRuntimeException withRetryInfo(
      Status.Code code, String description, Duration retryDelay) {
    return StatusProto.toStatusRuntimeException(
        com.google.rpc.Status.newBuilder()
            .setCode(code.value())
            .setMessage(description)
            .addDetails(Any.pack(retryInfo(retryDelay)))
            .build());
  }

  private static RetryInfo retryInfo(Duration d) {
    return RetryInfo.newBuilder()
        .setRetryDelay(
            com.google.protobuf.Duration.newBuilder()
                .setSeconds(d.getSeconds())
                .setNanos(d.getNano()))
        .build();
  }

  /**
   * Client input as an error message repeats it: in single quotes, control characters escaped, cut
   * after {@value #MAX_QUOTED_BYTES} UTF-8 bytes (at a character boundary) and then marked with the
   * input's full size, e.g. {@code 'xxxx…(10000 bytes)'}.
   */
  static String quote(String input) {
    if (input == null) {
      return "''";
    }
    StringBuilder b = new StringBuilder("'");
    int bytes = 0;
    boolean cut = false;
    for (int i = 0; i < input.length(); ) {
      int cp = input.codePointAt(i);
      String piece =
          Character.isISOControl(cp) ? String.format("\\u%04x", cp) : Character.toString(cp);
      int size = piece.getBytes(StandardCharsets.UTF_8).length;
      if (bytes + size > MAX_QUOTED_BYTES) {
        cut = true;
        break;
      }
      b.append(piece);
      bytes += size;
      i += Character.charCount(cp);
    }
    if (cut) {
      b.append("…(").append(input.getBytes(StandardCharsets.UTF_8).length).append(" bytes)");
    }
    return b.append('\'').toString();
  }
}

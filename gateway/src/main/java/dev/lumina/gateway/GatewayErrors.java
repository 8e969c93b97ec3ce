package dev.lumina.gateway;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;

/** The gateway's one mapping from failures to gRPC {@link Status}. Stateless. */
final class GatewayErrors {
  private GatewayErrors() {}

  static StatusRuntimeException toStatus(Throwable t) {
    if (t instanceof StatusRuntimeException s) {
      return s;
    }
    if (t instanceof StatusException s) {
      return new StatusRuntimeException(s.getStatus());
    }
    if (t instanceof InvalidFieldException e) {
      return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
    }
    if (t instanceof JobPublisher.PublishException e) {
      return Status.UNAVAILABLE
          .withDescription("job not accepted, retry: " + e.getMessage())
          .withCause(e)
          .asRuntimeException();
    }
    return Status.INTERNAL
        .withDescription(String.valueOf(t.getMessage()))
        .withCause(t)
        .asRuntimeException();
  }
}

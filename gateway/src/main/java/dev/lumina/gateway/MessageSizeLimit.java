package dev.lumina.gateway;

import com.google.protobuf.MessageLite;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Refuses a public request larger than the gateway's {@code max-message-bytes} with {@code
 * INVALID_ARGUMENT} naming the size and the limit, before any handler sees it (so nothing is
 * published). It measures parsed messages and, around a {@link RequestParsing#guard guarded}
 * service, the raw request bytes. It works whatever server hosts the services; messages above the
 * transport's own limit (gRPC's 4 MiB by default) are refused earlier by gRPC with {@code
 * RESOURCE_EXHAUSTED}. Immutable and thread-safe.
 */
final class MessageSizeLimit implements ServerInterceptor {
  private final int maxBytes;

  MessageSizeLimit(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        long size =
            message instanceof MessageLite m
                ? m.getSerializedSize()
                : message instanceof byte[] b ? b.length : -1;
        if (size > maxBytes) {
          refused = true;
          call.close(
              Status.INVALID_ARGUMENT.withDescription(
                  "request: "
                      + size
                      + " bytes exceeds the limit of "
                      + maxBytes
                      + " bytes (max-message-bytes)"),
              new Metadata());
          return;
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }
    };
  }
}

package dev.lumina.it.fuzz;

import com.google.protobuf.Descriptors.Descriptor;
import dev.lumina.proto.v1.CancelRequest;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.GetArtifactRequest;
import dev.lumina.proto.v1.GetJobRequest;
import dev.lumina.proto.v1.GetModelRequest;
import dev.lumina.proto.v1.ListModelsRequest;
import dev.lumina.proto.v1.ModelsGrpc;
import dev.lumina.proto.v1.WatchRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Calls any method of {@code lumina.v1.Generation} and {@code lumina.v1.Models} with a request
 * given as the bytes on the wire, and answers with the final status and the raw response messages.
 * Typed requests go through it too ({@code toByteArray()}), so garbage and well-formed requests
 * take the same path. Thread-safe.
 */
final class RawCalls {
  /** Every public method, with its request type (for building invalid UTF-8 in its strings). */
  enum Rpc {
    GENERATE(GenerationGrpc.getGenerateMethod(), GenerateRequest.getDescriptor()),
    SUBMIT(GenerationGrpc.getSubmitMethod(), GenerateRequest.getDescriptor()),
    WATCH(GenerationGrpc.getWatchMethod(), WatchRequest.getDescriptor()),
    GET_JOB(GenerationGrpc.getGetJobMethod(), GetJobRequest.getDescriptor()),
    CANCEL(GenerationGrpc.getCancelMethod(), CancelRequest.getDescriptor()),
    GET_ARTIFACT(GenerationGrpc.getGetArtifactMethod(), GetArtifactRequest.getDescriptor()),
    LIST_MODELS(ModelsGrpc.getListModelsMethod(), ListModelsRequest.getDescriptor()),
    GET_MODEL(ModelsGrpc.getGetModelMethod(), GetModelRequest.getDescriptor());

    final MethodDescriptor<byte[], byte[]> raw;
    final Descriptor requestType;

    Rpc(MethodDescriptor<?, ?> typed, Descriptor requestType) {
      this.raw =
          MethodDescriptor.<byte[], byte[]>newBuilder(BYTES, BYTES)
              .setFullMethodName(typed.getFullMethodName())
              .setType(typed.getType())
              .build();
      this.requestType = requestType;
    }

    boolean streaming() {
      return raw.getType() == MethodDescriptor.MethodType.SERVER_STREAMING;
    }

    /** Generate and Submit: the methods that may accept (and publish) a job. */
    boolean accepts() {
      return this == GENERATE || this == SUBMIT;
    }
  }

  /** How one call ended: its status and every response message, as bytes. */
  record Outcome(Status status, List<byte[]> responses) {}

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

  private final Channel channel;

  RawCalls(Channel channel) {
    this.channel = channel;
  }

  /** Sends {@code request} to {@code rpc} with a deadline of {@code deadline} from now. */
  CompletableFuture<Outcome> call(Rpc rpc, byte[] request, Duration deadline) {
    ClientCall<byte[], byte[]> call =
        channel.newCall(
            rpc.raw,
            CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
    CompletableFuture<Outcome> done = new CompletableFuture<>();
    List<byte[]> responses = Collections.synchronizedList(new ArrayList<>());
    StreamObserver<byte[]> observer =
        new StreamObserver<>() {
          @Override
          public void onNext(byte[] value) {
            responses.add(value);
          }

          @Override
          public void onError(Throwable t) {
            done.complete(new Outcome(Status.fromThrowable(t), List.copyOf(responses)));
          }

          @Override
          public void onCompleted() {
            done.complete(new Outcome(Status.OK, List.copyOf(responses)));
          }
        };
    if (rpc.streaming()) {
      ClientCalls.asyncServerStreamingCall(call, request, observer);
    } else {
      ClientCalls.asyncUnaryCall(call, request, observer);
    }
    return done;
  }
}

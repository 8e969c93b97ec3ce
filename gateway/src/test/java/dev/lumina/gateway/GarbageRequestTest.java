package dev.lumina.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.rpc.BadRequest;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.GetJobRequest;
import dev.lumina.proto.v1.ListModelsRequest;
import dev.lumina.proto.v1.ModelsGrpc;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * Bytes that are no request, over real gRPC on loopback: every method of Generation and Models
 * answers INVALID_ARGUMENT naming the message or the field, publishes nothing, logs little, and the
 * gateway keeps serving.
 */
class GarbageRequestTest {
  private static final byte[] NOT_PROTOBUF = {(byte) 0xff, (byte) 0xff};

  /** Field 1, length 5, then only one byte: a truncated message of any type. */
  private static final byte[] TRUNCATED = {0x0a, 0x05, 'a'};

  private GatewayHarness gw;
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final List<LogRecord> grpcLogged = new ArrayList<>();
  private final Handler julHandler =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
            synchronized (grpcLogged) {
              grpcLogged.add(r);
            }
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void start() throws IOException {
    gw = new GatewayHarness(ApiKeys.anonymous(), true);
    logged.start();
    root().addAppender(logged);
    java.util.logging.Logger.getLogger("").addHandler(julHandler);
  }

  @AfterEach
  void stop() {
    java.util.logging.Logger.getLogger("").removeHandler(julHandler);
    root().detachAppender(logged);
    gw.close();
  }

  static Stream<MethodDescriptor<?, ?>> methods() {
    return Stream.concat(
        GenerationGrpc.getServiceDescriptor().getMethods().stream(),
        ModelsGrpc.getServiceDescriptor().getMethods().stream());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("methods")
  void garbageOnEveryMethodIsInvalidArgumentAndTheGatewayServesOn(MethodDescriptor<?, ?> method) {
    for (byte[] garbage : List.of(NOT_PROTOBUF, TRUNCATED)) {
      StatusRuntimeException e = callRaw(method, garbage);
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription())
          .startsWith("request: not a valid lumina.v1.")
          .contains("Request");
      assertThat(field(e)).isEqualTo("request");
    }
    assertThat(gw.publisher.jobs).isEmpty();
    assertThat(gw.publisher.events).isEmpty();
    assertThat(gw.generation().submit(RequestValidationTest.ok().build()).getJobId()).isNotEmpty();
    assertThat(gw.models().listModels(ListModelsRequest.getDefaultInstance()).getModelsCount())
        .isEqualTo(2);
  }

  @Test
  void aPromptThatIsNotUtf8IsInvalidArgumentNamingTheField() throws IOException {
    byte[] bad =
        withField(GenerateRequest.PROMPT_FIELD_NUMBER, new byte[] {(byte) 0xff, (byte) 0xfe});
    for (String method : List.of("Generate", "Submit")) {
      StatusRuntimeException e = callRaw(generationMethod(method), bad);
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).isEqualTo("prompt: not valid UTF-8");
      assertThat(field(e)).isEqualTo("prompt");
    }
    assertThat(gw.publisher.jobs).isEmpty();
  }

  @Test
  void aLabelKeyThatIsNotUtf8IsNamedToo() throws IOException {
    ByteArrayOutputStream entry = new ByteArrayOutputStream();
    CodedOutputStream c = CodedOutputStream.newInstance(entry);
    c.writeByteArray(1, new byte[] {'k', (byte) 0xc3});
    c.writeString(2, "v");
    c.flush();
    byte[] bad =
        concat(
            RequestValidationTest.ok().build().toByteArray(),
            withField(GenerateRequest.LABELS_FIELD_NUMBER, entry.toByteArray()));
    StatusRuntimeException e = callRaw(generationMethod("Submit"), bad);
    assertThat(e.getStatus().getDescription()).isEqualTo("labels.key: not valid UTF-8");
  }

  @Test
  void aJobIdThatIsNotUtf8IsNamed() throws IOException {
    byte[] bad = withField(GetJobRequest.JOB_ID_FIELD_NUMBER, new byte[] {(byte) 0xff});
    for (String method : List.of("GetJob", "Watch", "Cancel")) {
      StatusRuntimeException e = callRaw(generationMethod(method), bad);
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).isEqualTo("job_id: not valid UTF-8");
    }
  }

  @Test
  void aHundredBadRequestsLogAFewWarningsAndNoStackTrace() throws IOException {
    byte[] badPrompt = withField(GenerateRequest.PROMPT_FIELD_NUMBER, new byte[] {(byte) 0xfe});
    for (int i = 0; i < 50; i++) {
      callRaw(generationMethod("Submit"), NOT_PROTOBUF);
      callRaw(generationMethod("Generate"), badPrompt);
    }
    List<ILoggingEvent> warnings;
    synchronized (logged.list) {
      warnings =
          logged.list.stream().filter(ev -> ev.getLevel().isGreaterOrEqual(Level.WARN)).toList();
    }
    assertThat(warnings)
        .hasSizeBetween(1, 4)
        .allSatisfy(ev -> assertThat(ev.getThrowableProxy()).isNull());
    assertThat(warnings)
        .anySatisfy(
            ev -> assertThat(ev.getFormattedMessage()).contains("lumina.v1.Generation/Submit"));
    synchronized (grpcLogged) {
      assertThat(grpcLogged).isEmpty();
    }
    assertThat(gw.generation().submit(RequestValidationTest.ok().build()).getJobId()).isNotEmpty();
  }

  private StatusRuntimeException callRaw(MethodDescriptor<?, ?> method, byte[] body) {
    MethodDescriptor<byte[], byte[]> raw =
        method.toBuilder(RequestParsing.BYTES, RequestParsing.BYTES).build();
    Throwable thrown =
        catchThrowable(
            () -> {
              if (raw.getType() == MethodDescriptor.MethodType.UNARY) {
                ClientCalls.blockingUnaryCall(gw.channel(), raw, CallOptions.DEFAULT, body);
              } else {
                ClientCalls.blockingServerStreamingCall(
                        gw.channel(), raw, CallOptions.DEFAULT, body)
                    .forEachRemaining(b -> {});
              }
            });
    assertThat(thrown).as(method.getFullMethodName()).isInstanceOf(StatusRuntimeException.class);
    return (StatusRuntimeException) thrown;
  }

  private static MethodDescriptor<?, ?> generationMethod(String name) {
    return GenerationGrpc.getServiceDescriptor().getMethods().stream()
        .filter(m -> m.getBareMethodName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  static String field(StatusRuntimeException e) {
    com.google.rpc.Status s = StatusProto.fromThrowable(e);
    assertThat(s).isNotNull();
    try {
      return s.getDetails(0).unpack(BadRequest.class).getFieldViolations(0).getField();
    } catch (com.google.protobuf.InvalidProtocolBufferException x) {
      throw new AssertionError(x);
    }
  }

  private static byte[] withField(int number, byte[] value) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CodedOutputStream c = CodedOutputStream.newInstance(out);
    c.writeBytes(number, ByteString.copyFrom(value));
    c.flush();
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }
}

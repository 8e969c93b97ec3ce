package dev.lumina.gateway.http;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.rpc.BadRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * How the HTTP front answers: JSON bodies, raw bytes, and OpenAI-style error objects {@code
 * {"error":{"message","type","param","code"}}} mapped from gRPC statuses. Stateless.
 */
final class Replies {
  private Replies() {}

  static void json(ChannelHandlerContext ctx, boolean keepAlive, JsonObject body) {
    bytes(
        ctx,
        keepAlive,
        HttpResponseStatus.OK,
        "application/json",
        body.toString().getBytes(StandardCharsets.UTF_8));
  }

  static void bytes(
      ChannelHandlerContext ctx,
      boolean keepAlive,
      HttpResponseStatus status,
      String contentType,
      byte[] body) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, contentType)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    if (keepAlive) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      ctx.writeAndFlush(r);
    } else {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** An OpenAI error object with {@code status}. */
  static void error(
      ChannelHandlerContext ctx,
      boolean keepAlive,
      HttpResponseStatus status,
      String type,
      String param,
      String code,
      String message) {
    JsonObject e = new JsonObject();
    e.addProperty("message", message);
    e.addProperty("type", type);
    if (param == null) {
      e.add("param", JsonNull.INSTANCE);
    } else {
      e.addProperty("param", param);
    }
    e.addProperty("code", code);
    JsonObject body = new JsonObject();
    body.add("error", e);
    bytes(
        ctx,
        keepAlive,
        status,
        "application/json",
        body.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** A request error of this front itself (bad JSON, bad size, …) naming {@code param}. */
  static void invalid(ChannelHandlerContext ctx, boolean keepAlive, String param, String message) {
    error(
        ctx,
        keepAlive,
        HttpResponseStatus.BAD_REQUEST,
        "invalid_request_error",
        param,
        "invalid_argument",
        message);
  }

  /** The OpenAI error for a failed gRPC call: same message, status mapped from the code. */
  static void grpcError(ChannelHandlerContext ctx, boolean keepAlive, Throwable t) {
    Status s = Status.fromThrowable(t);
    String param = null;
    com.google.rpc.Status detail = StatusProto.fromThrowable(t);
    if (detail != null) {
      for (com.google.protobuf.Any any : detail.getDetailsList()) {
        if (any.is(BadRequest.class)) {
          try {
            BadRequest br = any.unpack(BadRequest.class);
            if (br.getFieldViolationsCount() > 0) {
              param = br.getFieldViolations(0).getField();
            }
          } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            // No param then.
          }
        }
      }
    }
    HttpResponseStatus http = httpStatus(s.getCode());
    String message = s.getDescription() == null ? s.getCode().name() : s.getDescription();
    error(ctx, keepAlive, http, type(http), param, s.getCode().name().toLowerCase(), message);
  }

  static HttpResponseStatus httpStatus(Status.Code code) {
    return switch (code) {
      case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION -> HttpResponseStatus.BAD_REQUEST;
      case UNAUTHENTICATED -> HttpResponseStatus.UNAUTHORIZED;
      case PERMISSION_DENIED -> HttpResponseStatus.FORBIDDEN;
      case NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
      case ALREADY_EXISTS, ABORTED -> HttpResponseStatus.CONFLICT;
      case RESOURCE_EXHAUSTED -> HttpResponseStatus.TOO_MANY_REQUESTS;
      case UNAVAILABLE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
      case DEADLINE_EXCEEDED -> HttpResponseStatus.GATEWAY_TIMEOUT;
      case UNIMPLEMENTED -> HttpResponseStatus.NOT_IMPLEMENTED;
      case CANCELLED -> HttpResponseStatus.valueOf(499, "Client Closed Request");
      default -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
    };
  }

  private static String type(HttpResponseStatus s) {
    if (s.code() == 401 || s.code() == 403) {
      return "authentication_error";
    }
    if (s.code() == 429) {
      return "rate_limit_error";
    }
    return s.code() >= 500 ? "server_error" : "invalid_request_error";
  }

  static boolean isGrpc(Throwable t) {
    return t instanceof StatusRuntimeException || t instanceof io.grpc.StatusException;
  }
}

package dev.lumina.gateway.http;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.lumina.proto.v1.Artifact;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.WatchRequest;
import io.grpc.Context;
import io.grpc.Status;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;

/**
 * {@code GET /v1/jobs/{id}/events}: {@code Generation.Watch} relayed as server-sent events, one per
 * chunk ({@code id:} its seq, so a reconnecting {@code EventSource} resumes after it; {@code
 * event:} accepted, progress, preview, frame, completed, failed; {@code data:} JSON). Previews and
 * frames carry their PNG as a data URL. A refused Watch is an {@code error} event with the OpenAI
 * error object. The stream ends after the terminal event; the Watch is cancelled when the browser
 * goes away.
 */
final class JobEvents {
  private JobEvents() {}

  static void relay(
      ChannelHandlerContext ctx, GenerationGrpc.GenerationBlockingStub g, String job, long after) {
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
        .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    ctx.writeAndFlush(head);
    Context.CancellableContext watch = Context.current().withCancellation();
    ctx.channel().closeFuture().addListener(f -> watch.cancel(null));
    try {
      watch.run(
          () -> {
            try {
              Iterator<GenerationChunk> it =
                  g.watch(WatchRequest.newBuilder().setJobId(job).setAfterSeq(after).build());
              while (it.hasNext() && ctx.channel().isActive()) {
                GenerationChunk c = it.next();
                JsonObject e = event(c);
                if (e != null) {
                  send(ctx, String.valueOf(c.getSeq()), e.get("type").getAsString(), e);
                }
              }
            } catch (RuntimeException e) {
              if (ctx.channel().isActive()) {
                Status s = Status.fromThrowable(e);
                JsonObject err = new JsonObject();
                err.addProperty("type", "error");
                err.addProperty("status", Replies.httpStatus(s.getCode()).code());
                err.addProperty("code", s.getCode().name().toLowerCase());
                err.addProperty(
                    "message",
                    s.getDescription() == null ? s.getCode().name() : s.getDescription());
                send(ctx, null, "error", err);
              }
            }
          });
    } finally {
      watch.cancel(null);
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
          .addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static void send(ChannelHandlerContext ctx, String id, String type, JsonObject data) {
    StringBuilder b = new StringBuilder();
    if (id != null) {
      b.append("id: ").append(id).append('\n');
    }
    b.append("event: ").append(type).append('\n');
    b.append("data: ").append(data).append("\n\n");
    ctx.writeAndFlush(
        new DefaultHttpContent(
            Unpooled.wrappedBuffer(b.toString().getBytes(StandardCharsets.UTF_8))));
  }

  /** The JSON of one chunk, or null for payloads the browser has no use for (tiles, audio). */
  static JsonObject event(GenerationChunk c) {
    JsonObject o = new JsonObject();
    o.addProperty("job_id", c.getJobId());
    o.addProperty("seq", c.getSeq());
    switch (c.getPayloadCase()) {
      case ACCEPTED -> {
        o.addProperty("type", "accepted");
        o.addProperty("tier", c.getAccepted().getTier());
        o.addProperty("token_budget", c.getAccepted().getTokenBudget());
        o.addProperty("total_steps", c.getAccepted().getResolved().getSampling().getSteps());
      }
      case PROGRESS -> {
        o.addProperty("type", "progress");
        o.addProperty("step", c.getProgress().getStep());
        o.addProperty("total", c.getProgress().getTotal());
        o.addProperty("eta_ms", c.getProgress().getEtaMs());
      }
      case PREVIEW -> {
        o.addProperty("type", "preview");
        o.addProperty("step", c.getPreview().getStep());
        if (!c.getPreview().getPng().isEmpty()) {
          o.addProperty("data_url", dataUrl("image/png", c.getPreview().getPng().toByteArray()));
        }
      }
      case FRAME -> {
        o.addProperty("type", "frame");
        o.addProperty("index", c.getFrame().getIndex());
        o.addProperty("media_type", c.getFrame().getMediaType());
        o.addProperty("url", Images.artifactPath(c.getJobId(), c.getFrame().getIndex()));
        if (!c.getFrame().getData().isEmpty()) {
          o.addProperty(
              "data_url",
              dataUrl(c.getFrame().getMediaType(), c.getFrame().getData().toByteArray()));
        }
      }
      case COMPLETED -> {
        o.addProperty("type", "completed");
        o.addProperty("seed", c.getCompleted().getSeed());
        o.addProperty("total_ms", c.getCompleted().getTimings().getTotalMs());
        JsonArray arts = new JsonArray();
        for (Artifact a : c.getCompleted().getArtifactsList()) {
          JsonObject x = new JsonObject();
          x.addProperty("index", a.getIndex());
          x.addProperty("media_type", a.getMediaType());
          x.addProperty("size_bytes", a.getSizeBytes());
          x.addProperty("url", Images.artifactPath(c.getJobId(), a.getIndex()));
          arts.add(x);
        }
        o.add("artifacts", arts);
      }
      case FAILED -> {
        o.addProperty("type", "failed");
        o.addProperty("code", c.getFailed().getCode());
        o.addProperty("message", c.getFailed().getMessage());
      }
      default -> {
        return null;
      }
    }
    return o;
  }

  private static String dataUrl(String type, byte[] data) {
    return "data:"
        + (type.isEmpty() ? "image/png" : type)
        + ";base64,"
        + Base64.getEncoder().encodeToString(data);
  }
}

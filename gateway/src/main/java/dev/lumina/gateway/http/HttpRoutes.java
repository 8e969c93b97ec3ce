package dev.lumina.gateway.http;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.lumina.proto.v1.ArtifactChunk;
import dev.lumina.proto.v1.CancelRequest;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.GetArtifactRequest;
import dev.lumina.proto.v1.Job;
import dev.lumina.proto.v1.ListModelsRequest;
import dev.lumina.proto.v1.ListModelsResponse;
import dev.lumina.proto.v1.ModelInfo;
import dev.lumina.proto.v1.ModelsGrpc;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * The routes of the HTTP front. Each request's gRPC work runs on {@code calls}, never on the Netty
 * event loop. Thread-safe.
 */
final class HttpRoutes {
  static final Metadata.Key<String> API_KEY =
      Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);
  private static final String PLAYGROUND = "/dev/lumina/gateway/http/playground/";

  private final Channel grpc;
  private final ExecutorService calls;
  private final Images images;

  HttpRoutes(Channel grpc, ExecutorService calls) {
    this.grpc = grpc;
    this.calls = calls;
    this.images = new Images(calls);
  }

  /** One request; releases it. */
  void route(ChannelHandlerContext ctx, FullHttpRequest req) {
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    QueryStringDecoder q = new QueryStringDecoder(req.uri());
    String path = q.path();
    HttpMethod m = req.method();
    String body = req.content().toString(StandardCharsets.UTF_8);
    String host = req.headers().get(HttpHeaderNames.HOST, "localhost");
    String lastEventId = req.headers().get("Last-Event-ID");
    ClientInterceptor auth = auth(req, q);
    req.release();
    List<String> parts = List.of(path.replaceAll("^/+|/+$", "").split("/"));
    try {
      if (m.equals(HttpMethod.GET) && (path.equals("/") || path.equals("/index.html"))) {
        staticFile(ctx, keepAlive, "index.html", "text/html; charset=utf-8");
      } else if (m.equals(HttpMethod.GET) && path.equals("/playground.js")) {
        staticFile(ctx, keepAlive, "playground.js", "text/javascript; charset=utf-8");
      } else if (m.equals(HttpMethod.GET) && path.equals("/playground.css")) {
        staticFile(ctx, keepAlive, "playground.css", "text/css; charset=utf-8");
      } else if (path.equals("/v1/images/generations")) {
        requirePost(
            ctx, keepAlive, m, () -> images.generate(ctx, keepAlive, gen(auth), body, host));
      } else if (path.equals("/v1/jobs")) {
        requirePost(ctx, keepAlive, m, () -> images.submit(ctx, keepAlive, gen(auth), body));
      } else if (m.equals(HttpMethod.GET) && path.equals("/v1/models")) {
        calls.execute(() -> models(ctx, keepAlive, auth));
      } else if (parts.size() == 4
          && parts.get(0).equals("v1")
          && parts.get(1).equals("artifacts")) {
        String job = decode(parts.get(2));
        String index = parts.get(3);
        if (!index.matches("\\d{1,9}")) {
          Replies.invalid(ctx, keepAlive, "index", "index: expected a number, got '" + index + "'");
          return;
        }
        calls.execute(() -> artifact(ctx, keepAlive, auth, job, Integer.parseInt(index)));
      } else if (parts.size() == 4 && parts.get(0).equals("v1") && parts.get(1).equals("jobs")) {
        String job = decode(parts.get(2));
        if (parts.get(3).equals("events") && m.equals(HttpMethod.GET)) {
          long after = afterSeq(lastEventId, q);
          calls.execute(() -> JobEvents.relay(ctx, gen(auth), job, after));
        } else if (parts.get(3).equals("cancel")) {
          requirePost(ctx, keepAlive, m, () -> cancel(ctx, keepAlive, auth, job));
        } else {
          notFound(ctx, keepAlive, path);
        }
      } else {
        notFound(ctx, keepAlive, path);
      }
    } catch (RejectedExecutionException e) {
      Replies.error(
          ctx,
          false,
          HttpResponseStatus.SERVICE_UNAVAILABLE,
          "server_error",
          null,
          "unavailable",
          "the gateway is shutting down");
    }
  }

  private void requirePost(
      ChannelHandlerContext ctx, boolean keepAlive, HttpMethod m, Runnable call) {
    if (!m.equals(HttpMethod.POST)) {
      Replies.error(
          ctx,
          keepAlive,
          HttpResponseStatus.METHOD_NOT_ALLOWED,
          "invalid_request_error",
          null,
          "method_not_allowed",
          m + " not allowed here: use POST");
      return;
    }
    calls.execute(call);
  }

  private static void notFound(ChannelHandlerContext ctx, boolean keepAlive, String path) {
    Replies.error(
        ctx,
        keepAlive,
        HttpResponseStatus.NOT_FOUND,
        "invalid_request_error",
        null,
        "not_found",
        "no route " + (path.length() > 100 ? path.substring(0, 100) + "…" : path));
  }

  private static long afterSeq(String lastEventId, QueryStringDecoder q) {
    String v = lastEventId;
    if (v == null && q.parameters().containsKey("after_seq")) {
      v = q.parameters().get("after_seq").get(0);
    }
    try {
      return v == null ? 0 : Math.max(0, Long.parseLong(v.trim()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  /**
   * {@code Authorization: Bearer KEY} as the gRPC {@code x-api-key}; on GET routes also {@code
   * ?api_key=KEY}, for what browsers cannot give headers to ({@code EventSource}, {@code <img>}).
   */
  private static ClientInterceptor auth(FullHttpRequest req, QueryStringDecoder q) {
    String key = null;
    String h = req.headers().get(HttpHeaderNames.AUTHORIZATION);
    if (h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      key = h.substring(7).trim();
    } else if (req.method().equals(HttpMethod.GET) && q.parameters().containsKey("api_key")) {
      key = q.parameters().get("api_key").get(0);
    }
    if (key == null || key.isEmpty()) {
      return null;
    }
    Metadata md = new Metadata();
    md.put(API_KEY, key);
    return MetadataUtils.newAttachHeadersInterceptor(md);
  }

  private GenerationGrpc.GenerationBlockingStub gen(ClientInterceptor auth) {
    GenerationGrpc.GenerationBlockingStub s = GenerationGrpc.newBlockingStub(grpc);
    return auth == null ? s : s.withInterceptors(auth);
  }

  private void models(ChannelHandlerContext ctx, boolean keepAlive, ClientInterceptor auth) {
    ListModelsResponse r;
    try {
      ModelsGrpc.ModelsBlockingStub s = ModelsGrpc.newBlockingStub(grpc);
      r =
          (auth == null ? s : s.withInterceptors(auth))
              .listModels(ListModelsRequest.getDefaultInstance());
    } catch (RuntimeException e) {
      Replies.grpcError(ctx, keepAlive, e);
      return;
    }
    JsonArray data = new JsonArray();
    for (ModelInfo mi : r.getModelsList()) {
      JsonObject o = new JsonObject();
      o.addProperty("id", mi.getName());
      o.addProperty("object", "model");
      o.addProperty("created", 0);
      o.addProperty("owned_by", "lumina");
      o.addProperty("description", mi.getDescription());
      JsonArray mods = new JsonArray();
      mi.getModalitiesList().forEach(x -> mods.add(x.name()));
      o.add("modalities", mods);
      o.addProperty("default_width", mi.getDefaultGeometry().getWidth());
      o.addProperty("default_height", mi.getDefaultGeometry().getHeight());
      o.addProperty("default_steps", mi.getDefaultSampling().getSteps());
      o.addProperty("default_cfg_scale", mi.getDefaultSampling().getCfgScale());
      o.addProperty("max_steps", mi.getMaxSteps());
      o.addProperty("min_side", mi.getMinSide());
      o.addProperty("max_side", mi.getMaxSide());
      o.addProperty("pixel_unit", mi.getPixelUnit());
      o.addProperty("default", mi.getName().equals(r.getDefaultModel()));
      data.add(o);
    }
    JsonObject body = new JsonObject();
    body.addProperty("object", "list");
    body.add("data", data);
    body.addProperty("default_model", r.getDefaultModel());
    Replies.json(ctx, keepAlive, body);
  }

  private void cancel(
      ChannelHandlerContext ctx, boolean keepAlive, ClientInterceptor auth, String job) {
    try {
      Job j = gen(auth).cancel(CancelRequest.newBuilder().setJobId(job).build());
      JsonObject body = new JsonObject();
      body.addProperty("job_id", j.getJobId());
      body.addProperty("state", j.getState().name());
      Replies.json(ctx, keepAlive, body);
    } catch (RuntimeException e) {
      Replies.grpcError(ctx, keepAlive, e);
    }
  }

  private void artifact(
      ChannelHandlerContext ctx, boolean keepAlive, ClientInterceptor auth, String job, int index) {
    try {
      String[] type = new String[1];
      byte[] bytes = fetchArtifact(gen(auth), job, index, type);
      Replies.bytes(ctx, keepAlive, HttpResponseStatus.OK, type[0], bytes);
    } catch (RuntimeException e) {
      Replies.grpcError(ctx, keepAlive, e);
    }
  }

  /**
   * The whole artifact {@code index} of {@code job} through GetArtifact; its media type in {@code
   * type[0]}.
   */
  static byte[] fetchArtifact(
      GenerationGrpc.GenerationBlockingStub g, String job, int index, String[] type) {
    Iterator<ArtifactChunk> it =
        g.getArtifact(GetArtifactRequest.newBuilder().setJobId(job).setIndex(index).build());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    type[0] = "application/octet-stream";
    while (it.hasNext()) {
      ArtifactChunk c = it.next();
      if (!c.getMediaType().isEmpty()) {
        type[0] = c.getMediaType();
      }
      out.writeBytes(c.getData().toByteArray());
    }
    return out.toByteArray();
  }

  private static void staticFile(
      ChannelHandlerContext ctx, boolean keepAlive, String name, String type) {
    try (InputStream in = HttpRoutes.class.getResourceAsStream(PLAYGROUND + name)) {
      if (in == null) {
        notFound(ctx, keepAlive, "/" + name);
        return;
      }
      Replies.bytes(ctx, keepAlive, HttpResponseStatus.OK, type, in.readAllBytes());
    } catch (IOException e) {
      Replies.error(
          ctx,
          keepAlive,
          HttpResponseStatus.INTERNAL_SERVER_ERROR,
          "server_error",
          null,
          "internal",
          e.getMessage());
    }
  }
}

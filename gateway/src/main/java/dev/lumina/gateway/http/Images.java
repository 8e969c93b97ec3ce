package dev.lumina.gateway.http;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.lumina.proto.v1.Completed;
import dev.lumina.proto.v1.Frame;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.Job;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.netty.channel.ChannelHandlerContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /v1/images/generations} (OpenAI-compatible: n jobs with distinct seeds, each through
 * {@code Generation.Generate}) and {@code POST /v1/jobs} (one job through {@code Submit}, for the
 * playground to follow with server-sent events). Thread-safe.
 */
final class Images {
  /** How long one generation request may take before the gateway gives up on it. */
  static final long DEADLINE_S = 600;

  private final ExecutorService calls;

  Images(ExecutorService calls) {
    this.calls = calls;
  }

  /** One finished image. */
  record Result(String jobId, long seed, int index, String mediaType, byte[] data) {}

  void generate(
      ChannelHandlerContext ctx,
      boolean keepAlive,
      GenerationGrpc.GenerationBlockingStub g,
      String body,
      String host) {
    ImageRequest r;
    try {
      r = ImageRequest.parse(body);
    } catch (ImageRequest.BadField e) {
      Replies.invalid(ctx, keepAlive, e.field, e.getMessage());
      return;
    }
    List<CompletableFuture<Result>> jobs = new ArrayList<>();
    for (int i = 0; i < r.n(); i++) {
      GenerateRequest job = r.job(i);
      boolean needBytes = !r.url();
      jobs.add(CompletableFuture.supplyAsync(() -> run(g, job, needBytes), calls));
    }
    List<Result> done = new ArrayList<>();
    try {
      for (CompletableFuture<Result> f : jobs) {
        done.add(f.get(DEADLINE_S + 5, TimeUnit.SECONDS));
      }
    } catch (ExecutionException e) {
      jobs.forEach(f -> f.cancel(true));
      Replies.grpcError(ctx, keepAlive, e.getCause());
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Replies.grpcError(ctx, keepAlive, Status.CANCELLED.asRuntimeException());
      return;
    } catch (java.util.concurrent.TimeoutException e) {
      Replies.grpcError(ctx, keepAlive, Status.DEADLINE_EXCEEDED.asRuntimeException());
      return;
    }
    JsonArray data = new JsonArray();
    JsonArray ids = new JsonArray();
    for (Result x : done) {
      JsonObject o = new JsonObject();
      if (r.url()) {
        o.addProperty("url", "http://" + host + artifactPath(x.jobId(), x.index()));
      } else {
        o.addProperty("b64_json", Base64.getEncoder().encodeToString(x.data()));
      }
      o.addProperty("revised_prompt", r.base().getPrompt());
      o.addProperty("lumina_job_id", x.jobId());
      o.addProperty("seed", x.seed());
      data.add(o);
      ids.add(x.jobId());
    }
    JsonObject out = new JsonObject();
    out.addProperty("created", System.currentTimeMillis() / 1000);
    out.add("data", data);
    out.add("lumina_job_ids", ids);
    Replies.json(ctx, keepAlive, out);
  }

  void submit(
      ChannelHandlerContext ctx,
      boolean keepAlive,
      GenerationGrpc.GenerationBlockingStub g,
      String body) {
    ImageRequest r;
    try {
      r = ImageRequest.parse(body);
    } catch (ImageRequest.BadField e) {
      Replies.invalid(ctx, keepAlive, e.field, e.getMessage());
      return;
    }
    try {
      Job j = g.withDeadlineAfter(60, TimeUnit.SECONDS).submit(r.job(0));
      JsonObject out = new JsonObject();
      out.addProperty("job_id", j.getJobId());
      out.addProperty("state", j.getState().name());
      out.addProperty("seed", r.seed());
      out.addProperty("events", "/v1/jobs/" + enc(j.getJobId()) + "/events");
      Replies.json(ctx, keepAlive, out);
    } catch (RuntimeException e) {
      Replies.grpcError(ctx, keepAlive, e);
    }
  }

  static String artifactPath(String jobId, int index) {
    return "/v1/artifacts/" + enc(jobId) + "/" + index;
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Runs one job to its end; the picture's bytes (from the stream, else GetArtifact) if asked. */
  private static Result run(
      GenerationGrpc.GenerationBlockingStub g, GenerateRequest job, boolean needBytes) {
    Iterator<GenerationChunk> it = g.withDeadlineAfter(DEADLINE_S, TimeUnit.SECONDS).generate(job);
    String jobId = "";
    Frame first = null;
    Completed completed = null;
    while (it.hasNext()) {
      GenerationChunk c = it.next();
      jobId = c.getJobId();
      switch (c.getPayloadCase()) {
        case FRAME -> {
          if (first == null || c.getFrame().getIndex() < first.getIndex()) {
            first = c.getFrame();
          }
        }
        case COMPLETED -> completed = c.getCompleted();
        case FAILED ->
            throw Status.fromCodeValue(codeOf(c.getFailed().getCode()))
                .withDescription(c.getFailed().getMessage())
                .asRuntimeException();
        default -> {}
      }
    }
    if (completed == null) {
      throw new StatusRuntimeException(
          Status.UNAVAILABLE.withDescription("job " + jobId + " ended without a result"));
    }
    int index = completed.getArtifactsCount() > 0 ? completed.getArtifacts(0).getIndex() : 0;
    String type =
        completed.getArtifactsCount() > 0 ? completed.getArtifacts(0).getMediaType() : "image/png";
    byte[] data = null;
    if (needBytes) {
      if (first != null && !first.getData().isEmpty() && first.getIndex() == index) {
        data = first.getData().toByteArray();
      } else {
        String[] t = new String[1];
        data = HttpRoutes.fetchArtifact(g, jobId, index, t);
        type = t[0];
      }
    }
    return new Result(jobId, completed.getSeed(), index, type, data);
  }

  private static int codeOf(String name) {
    try {
      return Status.Code.valueOf(name).value();
    } catch (IllegalArgumentException e) {
      return Status.Code.INTERNAL.value();
    }
  }
}

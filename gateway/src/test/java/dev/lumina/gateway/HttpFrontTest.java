package dev.lumina.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.lumina.gateway.http.HttpFront;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP front against the gateway's services on a loopback gRPC port (no cluster: jobs are only
 * recorded): routes, OpenAI error objects carrying the gRPC message and field, auth forwarding.
 */
class HttpFrontTest {
  private static final String KEY = "k-http-test-0123456789";
  private GatewayHarness gw;
  private HttpFront http;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws Exception {
    gw = new GatewayHarness(ApiKeys.of(Map.of(KEY, "tenant-a")), true);
    http = HttpFront.start("127.0.0.1", 0, gw.channel());
  }

  @AfterEach
  void stop() {
    http.close();
    gw.close();
  }

  private HttpResponse<String> send(String method, String path, String body, String key)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + path))
            .timeout(Duration.ofSeconds(20))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject error(HttpResponse<String> r) {
    return JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("error");
  }

  @Test
  void modelsListsTheCatalogInOpenAiShape() throws Exception {
    HttpResponse<String> r = send("GET", "/v1/models", null, KEY);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject body = JsonParser.parseString(r.body()).getAsJsonObject();
    assertEquals("list", body.get("object").getAsString());
    assertEquals(TestModels.PICTURES, body.get("default_model").getAsString());
    JsonObject first = null;
    for (var m : body.getAsJsonArray("data")) {
      if (m.getAsJsonObject().get("id").getAsString().equals(TestModels.PICTURES)) {
        first = m.getAsJsonObject();
      }
    }
    assertTrue(first != null, r.body());
    assertEquals("model", first.get("object").getAsString());
    assertEquals("lumina", first.get("owned_by").getAsString());
  }

  @Test
  void missingOrUnknownKeyIs401WithTheGrpcMessage() throws Exception {
    HttpResponse<String> r = send("GET", "/v1/models", null, null);
    assertEquals(401, r.statusCode(), r.body());
    assertEquals("x-api-key: missing", error(r).get("message").getAsString());
    assertEquals("authentication_error", error(r).get("type").getAsString());
    HttpResponse<String> u = send("GET", "/v1/models", null, "nope");
    assertEquals(401, u.statusCode());
    assertEquals("x-api-key: unknown key", error(u).get("message").getAsString());
  }

  @Test
  void invalidStepsIs400WithTheGrpcFieldAndMessage() throws Exception {
    HttpResponse<String> r =
        send("POST", "/v1/images/generations", "{\"prompt\":\"a red circle\",\"steps\":5000}", KEY);
    assertEquals(400, r.statusCode(), r.body());
    JsonObject e = error(r);
    assertEquals("sampling.steps", e.get("param").getAsString());
    assertTrue(e.get("message").getAsString().startsWith("sampling.steps"), r.body());
    assertEquals("invalid_request_error", e.get("type").getAsString());
    assertEquals("invalid_argument", e.get("code").getAsString());
  }

  @Test
  void sizeOffTheGridIs400NamingTheGeometryField() throws Exception {
    HttpResponse<String> r =
        send("POST", "/v1/images/generations", "{\"prompt\":\"x\",\"size\":\"33x32\"}", KEY);
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(error(r).get("param").getAsString().startsWith("geometry"), r.body());
  }

  @Test
  void badSizeFormatBadJsonAndBadNAre400NamingTheField() throws Exception {
    HttpResponse<String> size =
        send("POST", "/v1/images/generations", "{\"prompt\":\"x\",\"size\":\"big\"}", KEY);
    assertEquals(400, size.statusCode());
    assertEquals("size", error(size).get("param").getAsString());
    assertTrue(error(size).get("message").getAsString().startsWith("size: "), size.body());

    HttpResponse<String> json = send("POST", "/v1/images/generations", "{\"prompt\":", KEY);
    assertEquals(400, json.statusCode());
    assertTrue(error(json).get("message").getAsString().startsWith("body: invalid JSON"));

    HttpResponse<String> n =
        send("POST", "/v1/images/generations", "{\"prompt\":\"x\",\"n\":0}", KEY);
    assertEquals(400, n.statusCode());
    assertEquals("n", error(n).get("param").getAsString());

    HttpResponse<String> fmt =
        send(
            "POST",
            "/v1/images/generations",
            "{\"prompt\":\"x\",\"response_format\":\"jpeg\"}",
            KEY);
    assertEquals("response_format", error(fmt).get("param").getAsString());

    HttpResponse<String> unknown =
        send("POST", "/v1/images/generations", "{\"prompt\":\"x\",\"colour\":1}", KEY);
    assertEquals("colour", error(unknown).get("param").getAsString());
  }

  @Test
  void unknownJobIs404AndUnknownRouteIs404() throws Exception {
    HttpResponse<String> a = send("GET", "/v1/artifacts/no-such-job/0", null, KEY);
    assertTrue(a.statusCode() == 404 || a.statusCode() == 400, a.body());
    HttpResponse<String> c = send("POST", "/v1/jobs/no-such-job/cancel", "", KEY);
    assertEquals(404, c.statusCode(), c.body());
    assertEquals("not_found", error(c).get("code").getAsString());
    assertEquals(404, send("GET", "/nothing-here", null, KEY).statusCode());
    assertEquals(405, send("GET", "/v1/images/generations", null, KEY).statusCode());
  }

  @Test
  void submitAcceptsAJobAndEventsRelayItsChunks() throws Exception {
    HttpResponse<String> r = send("POST", "/v1/jobs", "{\"prompt\":\"a red circle\"}", KEY);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject job = JsonParser.parseString(r.body()).getAsJsonObject();
    assertEquals("QUEUED", job.get("state").getAsString());
    assertEquals(1, gw.publisher.jobs.size());
  }

  @Test
  void playgroundIsServedFromResources() throws Exception {
    HttpResponse<String> page = send("GET", "/", null, null);
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"));
    assertTrue(page.body().contains("id=\"generate\""));
    HttpResponse<String> js = send("GET", "/playground.js", null, null);
    assertEquals(200, js.statusCode());
    assertTrue(js.body().contains("/v1/jobs"));
    assertEquals(200, send("GET", "/playground.css", null, null).statusCode());
  }
}

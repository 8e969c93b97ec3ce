package dev.lumina.gateway.http;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Sampling;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OpenAI {@code POST /v1/images/generations} body read into a {@link GenerateRequest}: {@code
 * model}, {@code prompt}, {@code n}, {@code size} ("WxH"), {@code response_format} ({@code
 * b64_json} or {@code url}), and the Lumina extras {@code negative_prompt}, {@code steps}, {@code
 * cfg_scale}, {@code seed}, {@code time_shift}, {@code preview_every}, {@code priority}. Only the
 * shape of the JSON is checked here; the values are validated by the gateway's gRPC API as for
 * every other caller. Immutable.
 */
record ImageRequest(GenerateRequest base, int n, boolean url, long seed) {
  /** The most images one request may ask for. */
  static final int MAX_N = 10;

  private static final Pattern SIZE = Pattern.compile("(\\d{1,5})x(\\d{1,5})");
  private static final Set<String> KNOWN =
      Set.of(
          "model",
          "prompt",
          "n",
          "size",
          "response_format",
          "negative_prompt",
          "steps",
          "cfg_scale",
          "seed",
          "time_shift",
          "preview_every",
          "priority",
          "user",
          "quality",
          "style");

  /** A body this front refuses before any gRPC call, naming the field. */
  static final class BadField extends Exception {
    private static final long serialVersionUID = 1L;
    final String field;

    BadField(String field, String message) {
      super(message);
      this.field = field;
    }
  }

  static ImageRequest parse(String body) throws BadField {
    JsonObject o;
    try {
      JsonElement e = JsonParser.parseString(body);
      if (!e.isJsonObject()) {
        throw new BadField(null, "body: expected a JSON object");
      }
      o = e.getAsJsonObject();
    } catch (JsonParseException e) {
      throw new BadField(null, "body: invalid JSON: " + e.getMessage());
    }
    for (String k : o.keySet()) {
      if (!KNOWN.contains(k)) {
        throw new BadField(k, k + ": unknown field");
      }
    }
    GenerateRequest.Builder r = GenerateRequest.newBuilder();
    r.setModel(string(o, "model", ""));
    r.setPrompt(string(o, "prompt", ""));
    r.setNegativePrompt(string(o, "negative_prompt", ""));
    int n = (int) integer(o, "n", 1, 1, MAX_N);
    String format = string(o, "response_format", "b64_json");
    if (!format.equals("b64_json") && !format.equals("url")) {
      throw new BadField(
          "response_format", "response_format: must be \"b64_json\" or \"url\", got " + q(format));
    }
    String size = string(o, "size", "");
    if (!size.isEmpty()) {
      Matcher m = SIZE.matcher(size);
      if (!m.matches()) {
        throw new BadField(
            "size", "size: expected \"WIDTHxHEIGHT\" (e.g. \"32x32\"), got " + q(size));
      }
      r.setGeometry(
          Geometry.newBuilder()
              .setWidth(Integer.parseInt(m.group(1)))
              .setHeight(Integer.parseInt(m.group(2))));
    }
    Sampling.Builder s = Sampling.newBuilder();
    s.setSteps((int) integer(o, "steps", 0, 0, Integer.MAX_VALUE));
    s.setCfgScale((float) number(o, "cfg_scale", 0));
    s.setTimeShift((float) number(o, "time_shift", 0));
    long seed =
        o.has("seed") && !o.get("seed").isJsonNull()
            ? integer(o, "seed", 0, 0, Long.MAX_VALUE)
            : ThreadLocalRandom.current().nextLong(1L << 40);
    r.setSampling(s);
    r.getOutputBuilder().setPreviewEvery((int) integer(o, "preview_every", 0, 0, 10_000));
    r.setPriority((int) integer(o, "priority", 0, 0, Integer.MAX_VALUE));
    return new ImageRequest(r.build(), n, format.equals("url"), seed);
  }

  /** The request of image {@code i}: its own seed ({@code seed + i}), so n images differ. */
  GenerateRequest job(int i) {
    GenerateRequest.Builder b = base.toBuilder();
    b.getSamplingBuilder().setSeed(seed + i);
    return b.build();
  }

  private static String string(JsonObject o, String k, String dflt) throws BadField {
    JsonElement e = o.get(k);
    if (e == null || e.isJsonNull()) {
      return dflt;
    }
    if (!(e instanceof JsonPrimitive p) || !p.isString()) {
      throw new BadField(k, k + ": expected a string");
    }
    return p.getAsString();
  }

  private static long integer(JsonObject o, String k, long dflt, long min, long max)
      throws BadField {
    JsonElement e = o.get(k);
    if (e == null || e.isJsonNull()) {
      return dflt;
    }
    if (!(e instanceof JsonPrimitive p) || !p.isNumber()) {
      throw new BadField(k, k + ": expected an integer");
    }
    java.math.BigDecimal d = p.getAsBigDecimal();
    if (d.signum() != 0 && d.stripTrailingZeros().scale() > 0) {
      throw new BadField(k, k + ": expected an integer, got " + d.toPlainString());
    }
    if (d.compareTo(java.math.BigDecimal.valueOf(min)) < 0
        || d.compareTo(java.math.BigDecimal.valueOf(max)) > 0) {
      throw new BadField(k, k + ": must be in " + min + ".." + max + ", got " + d.toPlainString());
    }
    return d.longValueExact();
  }

  private static double number(JsonObject o, String k, double dflt) throws BadField {
    JsonElement e = o.get(k);
    if (e == null || e.isJsonNull()) {
      return dflt;
    }
    if (!(e instanceof JsonPrimitive p) || !p.isNumber()) {
      throw new BadField(k, k + ": expected a number");
    }
    return p.getAsDouble();
  }

  private static String q(String s) {
    return "'" + (s.length() > 64 ? s.substring(0, 64) + "…" : s) + "'";
  }
}

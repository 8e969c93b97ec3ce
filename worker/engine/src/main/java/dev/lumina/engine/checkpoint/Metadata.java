package dev.lumina.engine.checkpoint;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.JsonSyntaxException;
import java.util.Map;
import java.util.Optional;

/**
 * Typed access to a safetensors {@code __metadata__} map whose values are JSON-encoded strings
 * ({@code "64"}, {@code "true"}, {@code "null"}, {@code "\"F32\""}). A value that is not valid JSON
 * is taken as a plain string. Immutable and thread-safe.
 */
public record Metadata(Map<String, String> raw) {

  public Metadata {
    raw = Map.copyOf(raw);
  }

  /** The decoded value, empty when the key is absent or JSON {@code null}. */
  public Optional<JsonElement> json(String key) {
    String v = raw.get(key);
    if (v == null) {
      return Optional.empty();
    }
    JsonElement e;
    try {
      e = JsonParser.parseString(v);
    } catch (JsonSyntaxException ex) {
      return Optional.of(new com.google.gson.JsonPrimitive(v));
    }
    return e.isJsonNull() ? Optional.empty() : Optional.of(e);
  }

  public Optional<Integer> integer(String key) {
    return json(key).map(e -> number(key, e).intValue());
  }

  public Optional<Double> decimal(String key) {
    return json(key).map(e -> number(key, e).doubleValue());
  }

  public Optional<Boolean> bool(String key) {
    return json(key)
        .map(
            e -> {
              if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()) {
                return e.getAsBoolean();
              }
              if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
                return Boolean.parseBoolean(e.getAsString());
              }
              throw new CheckpointFormatException(
                  "metadata '" + key + "' must be a boolean, got " + raw.get(key));
            });
  }

  public Optional<String> string(String key) {
    return json(key).map(JsonElement::getAsString);
  }

  private Number number(String key, JsonElement e) {
    try {
      return e.getAsJsonPrimitive().getAsBigDecimal();
    } catch (RuntimeException ex) {
      throw new CheckpointFormatException(
          "metadata '" + key + "' must be a number, got " + raw.get(key), ex);
    }
  }
}

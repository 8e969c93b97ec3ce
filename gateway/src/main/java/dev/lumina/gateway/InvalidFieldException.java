package dev.lumina.gateway;

/**
 * A request field breaks a limit. The message always starts with the field's path (e.g. {@code
 * geometry.width}) and states the limit; the gateway maps it to {@code INVALID_ARGUMENT}.
 */
final class InvalidFieldException extends RuntimeException {
  private final String field;

  InvalidFieldException(String field, String problem) {
    super(field + ": " + problem);
    this.field = field;
  }

  /** The offending field's path in {@code GenerateRequest}. */
  String field() {
    return field;
  }
}

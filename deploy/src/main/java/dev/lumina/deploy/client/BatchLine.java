package dev.lumina.deploy.client;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.lumina.proto.v1.GenerateRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One line of a batch file: its 1-based number, its text and the request it holds (proto3 JSON of
 * {@code lumina.v1.GenerateRequest}), or why it holds none.
 *
 * <p>The request id of a line that sets none is derived from the line's number and text ({@link
 * #requestId}): a rerun of the same file sends the same ids, and the gateway answers a known id
 * with its job instead of starting another.
 */
record BatchLine(int number, String text, GenerateRequest request, String error) {

  /** Parses line {@code number} (1-based) of a batch file. */
  static BatchLine parse(int number, String text) {
    GenerateRequest.Builder b = GenerateRequest.newBuilder();
    try {
      JsonFormat.parser().merge(text, b);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      return new BatchLine(
          number,
          text,
          null,
          "line " + number + ": not a GenerateRequest in JSON: " + e.getMessage());
    }
    if (b.getRequestId().isEmpty()) {
      b.setRequestId(requestId(number, text));
    }
    return new BatchLine(number, text, b.build(), null);
  }

  /** {@code batch-} and 32 hex digits of SHA-256 over the line's number and text. */
  static String requestId(int number, String text) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256")
              .digest((number + "\n" + text.strip()).getBytes(StandardCharsets.UTF_8));
      return "batch-" + HexFormat.of().formatHex(d).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM ships SHA-256", e);
    }
  }

  /** Prefix of the files this line's outputs are written to, e.g. {@code 00007}. */
  String filePrefix() {
    return String.format("%05d", number);
  }
}

package dev.lumina.gateway;

import dev.lumina.proto.v1.GenerateRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Job ids and request fingerprints. A job with a client {@code request_id} gets an id derived from
 * (tenant, request_id), so every gateway maps a resubmission to the same job and the scheduler
 * drops the duplicate by id; a job without one gets a random id. Stateless.
 */
final class JobIds {
  private JobIds() {}

  static String jobId(String tenant, String requestId) {
    if (requestId.isEmpty()) {
      return "j-" + UUID.randomUUID().toString().replace("-", "");
    }
    return "j-" + sha256(tenant + "\u0000" + requestId).substring(0, 32);
  }

  /**
   * Fingerprint of the resolved parameters (everything but {@code request_id}); equal fingerprints
   * mean the same job. Deterministic serialization keeps it stable across gateways.
   */
  static String fingerprint(GenerateRequest resolved) {
    byte[] bytes = resolved.toBuilder().clearRequestId().build().toByteString().toByteArray();
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}

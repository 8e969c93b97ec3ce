package dev.lumina.gateway;

import com.google.protobuf.ByteString;
import dev.lumina.artifacts.ArtifactNotFoundException;
import dev.lumina.artifacts.ArtifactStore;
import dev.lumina.artifacts.ArtifactStoreUnavailableException;
import dev.lumina.proto.LogThrottle;
import dev.lumina.proto.v1.GenerationChunk;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's side of the artifact store: frames, tiles and audio segments travel through the
 * cluster as references ({@code uri}, no bytes); the gateway keeps them that way (its memory holds
 * no output bytes) and reads the bytes back when it sends a chunk to a client. Without a store
 * chunks are kept and sent exactly as they arrived. Thread-safe.
 */
final class ArtifactBytes {
  /** Largest artifact a gateway reads back into memory (a frame is a few MiB at most). */
  static final int MAX_ARTIFACT_BYTES = 256 * 1024 * 1024;

  private static final Logger log = LoggerFactory.getLogger(ArtifactBytes.class);

  private final Optional<ArtifactStore> store;
  private final LogThrottle missingLog = new LogThrottle(Duration.ofSeconds(10));

  ArtifactBytes(Optional<ArtifactStore> store) {
    this.store = store;
  }

  Optional<ArtifactStore> store() {
    return store;
  }

  /** {@code c} as this gateway keeps it: without media bytes when a store can give them back. */
  GenerationChunk keep(GenerationChunk c) {
    if (store.isEmpty() || uri(c).isEmpty() || !hasData(c)) {
      return c;
    }
    return switch (c.getPayloadCase()) {
      case FRAME -> c.toBuilder().setFrame(c.getFrame().toBuilder().clearData()).build();
      case TILE -> c.toBuilder().setTile(c.getTile().toBuilder().clearData()).build();
      case AUDIO -> c.toBuilder().setAudio(c.getAudio().toBuilder().clearData()).build();
      default -> c;
    };
  }

  /**
   * {@code c} with its media bytes read back from the store when it carries only a reference; as it
   * is when it needs none, or when the bytes cannot be read (the chunk's {@code uri} still says
   * where they were; a WARN says why).
   */
  GenerationChunk withBytes(GenerationChunk c) {
    String uri = uri(c);
    if (store.isEmpty() || uri.isEmpty() || hasData(c)) {
      return c;
    }
    ByteString data;
    try {
      data = read(uri);
    } catch (ArtifactNotFoundException
        | ArtifactStoreUnavailableException
        | IllegalArgumentException e) {
      long suppressed = missingLog.admit("read");
      if (suppressed >= 0) {
        log.warn(
            "job {} chunk {}: sent without its bytes: {} ({} more not logged)",
            c.getJobId(),
            c.getSeq(),
            e.getMessage(),
            suppressed);
      }
      return c;
    }
    return switch (c.getPayloadCase()) {
      case FRAME -> c.toBuilder().setFrame(c.getFrame().toBuilder().setData(data)).build();
      case TILE -> c.toBuilder().setTile(c.getTile().toBuilder().setData(data)).build();
      case AUDIO -> c.toBuilder().setAudio(c.getAudio().toBuilder().setData(data)).build();
      default -> c;
    };
  }

  /**
   * Every byte the store keeps at {@code uri}.
   *
   * @throws IllegalArgumentException when the URI is not the store's, or when there is no store
   */
  ByteString read(String uri) throws ArtifactNotFoundException, ArtifactStoreUnavailableException {
    ArtifactStore s =
        store.orElseThrow(() -> new IllegalArgumentException("this gateway has no artifact store"));
    URI parsed;
    try {
      parsed = new URI(uri);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("not a URI: " + GatewayErrors.quote(uri), e);
    }
    try (InputStream in = s.open(parsed)) {
      byte[] bytes = in.readNBytes(MAX_ARTIFACT_BYTES + 1);
      if (bytes.length > MAX_ARTIFACT_BYTES) {
        throw new ArtifactStoreUnavailableException(
            "artifact " + uri + " is larger than " + MAX_ARTIFACT_BYTES + " bytes", null);
      }
      return ByteString.copyFrom(bytes);
    } catch (IOException e) {
      throw new ArtifactStoreUnavailableException("cannot read " + uri + ": " + e, e);
    }
  }

  /** The artifact reference of a frame, tile or audio chunk; "" for any other chunk. */
  static String uri(GenerationChunk c) {
    return switch (c.getPayloadCase()) {
      case FRAME -> c.getFrame().getUri();
      case TILE -> c.getTile().getUri();
      case AUDIO -> c.getAudio().getUri();
      default -> "";
    };
  }

  /** Whether a frame, tile or audio chunk carries its bytes. */
  static boolean hasData(GenerationChunk c) {
    return switch (c.getPayloadCase()) {
      case FRAME -> !c.getFrame().getData().isEmpty();
      case TILE -> !c.getTile().getData().isEmpty();
      case AUDIO -> !c.getAudio().getData().isEmpty();
      default -> false;
    };
  }
}

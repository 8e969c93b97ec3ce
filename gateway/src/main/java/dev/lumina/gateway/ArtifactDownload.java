package dev.lumina.gateway;

import com.google.protobuf.ByteString;
import dev.lumina.artifacts.ArtifactNotFoundException;
import dev.lumina.artifacts.ArtifactStoreUnavailableException;
import dev.lumina.proto.v1.Artifact;
import dev.lumina.proto.v1.ArtifactChunk;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.GetArtifactRequest;
import dev.lumina.proto.v1.Job;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * One {@code GetArtifact} call: finds the artifact among the job's own (its listed artifacts, or
 * the frames, tiles and audio segments streamed so far, so a running job's finished frames can be
 * fetched too), reads it from the store and sends it in pieces of at most {@link #PIECE_BYTES},
 * only as fast as the client takes them. A URI that is not one of the job's is never read.
 *
 * <p>{@link #attach} runs in the gRPC handler; {@link #send} on any thread; sending is serialized
 * on this object.
 */
final class ArtifactDownload {
  static final int PIECE_BYTES = 1024 * 1024;

  private final ServerCallStreamObserver<ArtifactChunk> call;
  private Artifact artifact;
  private ByteString data;
  private String sha256;
  private long offset;
  private boolean done;

  private ArtifactDownload(ServerCallStreamObserver<ArtifactChunk> call) {
    this.call = call;
  }

  /** Installs the flow-control handler; must run inside the gRPC handler. */
  static ArtifactDownload attach(ServerCallStreamObserver<ArtifactChunk> call) {
    ArtifactDownload d = new ArtifactDownload(call);
    call.setOnReadyHandler(d::pump);
    return d;
  }

  /** Finds, reads and starts sending the artifact {@code request} names, or ends with why not. */
  void send(JobRecord record, GetArtifactRequest request, ArtifactBytes bytes) {
    Optional<Artifact> found = find(record, request);
    String which =
        request.getArtifactCase() == GetArtifactRequest.ArtifactCase.INDEX
            ? "index " + request.getIndex()
            : "uri " + GatewayErrors.quote(request.getUri());
    if (found.isEmpty()) {
      fail(
          Status.NOT_FOUND.withDescription(
              (request.getArtifactCase() == GetArtifactRequest.ArtifactCase.INDEX ? "index" : "uri")
                  + ": job "
                  + record.jobId()
                  + " has no artifact with "
                  + which
                  + (record.ended() ? "" : " (yet: the job is still running)")));
      return;
    }
    Artifact a = found.get();
    ByteString read;
    try {
      read = bytes.read(a.getUri());
    } catch (ArtifactNotFoundException e) {
      fail(
          Status.NOT_FOUND.withDescription(
              "artifact "
                  + which
                  + " of job "
                  + record.jobId()
                  + " is no longer kept by the store"));
      return;
    } catch (ArtifactStoreUnavailableException e) {
      fail(Status.UNAVAILABLE.withDescription("artifact store: " + e.getMessage()));
      return;
    } catch (IllegalArgumentException e) {
      fail(
          Status.FAILED_PRECONDITION.withDescription(
              "artifact "
                  + which
                  + " of job "
                  + record.jobId()
                  + " is not in this gateway's artifact store (--artifacts)"));
      return;
    }
    String digest = sha256(read);
    if (!a.getSha256().isEmpty() && !a.getSha256().equals(digest)) {
      fail(
          Status.DATA_LOSS.withDescription(
              "artifact "
                  + which
                  + " of job "
                  + record.jobId()
                  + ": the stored bytes do not match the sha256 recorded when it was written"));
      return;
    }
    synchronized (this) {
      artifact = a;
      data = read;
      sha256 = digest;
    }
    pump();
  }

  /** Sends pieces while the client is ready for them; the last carries the sha256. */
  private synchronized void pump() {
    if (data == null || done) {
      return;
    }
    while (!done && call.isReady() && !call.isCancelled()) {
      int n = (int) Math.min(PIECE_BYTES, data.size() - offset);
      boolean last = offset + n >= data.size();
      ArtifactChunk.Builder piece =
          ArtifactChunk.newBuilder()
              .setOffset(offset)
              .setTotalSize(data.size())
              .setMediaType(artifact.getMediaType())
              .setIndex(artifact.getIndex())
              .setUri(artifact.getUri())
              .setData(data.substring((int) offset, (int) offset + n));
      if (last) {
        piece.setSha256(sha256);
      }
      call.onNext(piece.build());
      offset += n;
      if (last) {
        done = true;
        call.onCompleted();
      }
    }
  }

  private synchronized void fail(Status status) {
    if (!done && !call.isCancelled()) {
      done = true;
      call.onError(status.asRuntimeException());
    }
  }

  /** The job's artifact {@code request} names: listed ones first, then streamed chunks. */
  static Optional<Artifact> find(JobRecord record, GetArtifactRequest request) {
    Job job = record.snapshot();
    boolean byIndex = request.getArtifactCase() == GetArtifactRequest.ArtifactCase.INDEX;
    for (Artifact a : job.getArtifactsList()) {
      if (byIndex ? a.getIndex() == request.getIndex() : a.getUri().equals(request.getUri())) {
        return Optional.of(a);
      }
    }
    for (GenerationChunk c : record.chunks()) {
      String uri = ArtifactBytes.uri(c);
      if (uri.isEmpty()) {
        continue;
      }
      Artifact.Builder a = Artifact.newBuilder().setUri(uri);
      switch (c.getPayloadCase()) {
        case FRAME -> a.setIndex(c.getFrame().getIndex()).setMediaType(c.getFrame().getMediaType());
        case AUDIO -> a.setIndex(c.getAudio().getIndex()).setMediaType(c.getAudio().getMediaType());
        case TILE -> a.setIndex(c.getTile().getFrame()).setMediaType(c.getTile().getMediaType());
        default -> {}
      }
      boolean tile = c.hasTile();
      if (byIndex ? !tile && a.getIndex() == request.getIndex() : uri.equals(request.getUri())) {
        return Optional.of(a.build());
      }
    }
    return Optional.empty();
  }

  private static String sha256(ByteString data) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(data.asReadOnlyByteBuffer());
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM ships SHA-256", e);
    }
  }
}

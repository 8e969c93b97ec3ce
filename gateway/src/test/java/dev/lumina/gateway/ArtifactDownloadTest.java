package dev.lumina.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.lumina.artifacts.FileSystemArtifactStore;
import dev.lumina.artifacts.StoredArtifact;
import dev.lumina.proto.v1.ArtifactChunk;
import dev.lumina.proto.v1.Completed;
import dev.lumina.proto.v1.Frame;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.GetArtifactRequest;
import dev.lumina.proto.v1.Job;
import dev.lumina.proto.v1.Preview;
import dev.lumina.proto.v1.Progress;
import dev.lumina.proto.v1.WatchRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GetArtifact and chunks relayed as artifact references, on a real file-system store. */
class ArtifactDownloadTest {
  @TempDir Path dir;
  private FileSystemArtifactStore store;
  private GatewayHarness gw;

  @BeforeEach
  void start() throws Exception {
    store = new FileSystemArtifactStore(dir);
    gw =
        new GatewayHarness(
            ApiKeys.of(Map.of("key-a", "tenant-a", "key-b", "tenant-b")), false, store);
  }

  @AfterEach
  void stop() {
    gw.close();
  }

  private String submit() {
    return gw.generation("key-a")
        .submit(GenerateRequest.newBuilder().setPrompt("a lighthouse").build())
        .getJobId();
  }

  private static GenerationChunk.Builder chunk(String job, long seq) {
    return GenerationChunk.newBuilder().setJobId(job).setSeq(seq);
  }

  @Test
  void aFinishedJobsArtifactComesInPiecesOfAtMostOneMebibyteWithItsSha256Last() throws Exception {
    String job = submit();
    byte[] data = new byte[2 * 1024 * 1024 + 12_345];
    new Random(7).nextBytes(data);
    StoredArtifact a = store.put(job, "image-000.png", "image/png", data);
    gw.deliver(
        chunk(job, 2).setCompleted(Completed.newBuilder().addArtifacts(a.toProto(0))).build());

    List<ArtifactChunk> pieces = new ArrayList<>();
    gw.generation("key-a")
        .getArtifact(GetArtifactRequest.newBuilder().setJobId(job).setIndex(0).build())
        .forEachRemaining(pieces::add);

    assertThat(pieces).hasSize(3);
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    long offset = 0;
    for (ArtifactChunk p : pieces) {
      assertThat(p.getData().size()).isLessThanOrEqualTo(ArtifactDownload.PIECE_BYTES);
      assertThat(p.getOffset()).isEqualTo(offset);
      assertThat(p.getTotalSize()).isEqualTo(data.length);
      assertThat(p.getMediaType()).isEqualTo("image/png");
      offset += p.getData().size();
      p.getData().writeTo(joined);
    }
    assertThat(joined.toByteArray()).isEqualTo(data);
    assertThat(pieces.get(0).getSha256()).isEmpty();
    assertThat(pieces.get(2).getSha256()).isEqualTo(a.sha256());

    List<ArtifactChunk> byUri = new ArrayList<>();
    gw.generation("key-a")
        .getArtifact(
            GetArtifactRequest.newBuilder().setJobId(job).setUri(a.uri().toString()).build())
        .forEachRemaining(byUri::add);
    assertThat(byUri.get(byUri.size() - 1).getSha256()).isEqualTo(a.sha256());
  }

  @Test
  void refusesWhatIsNotTheCallersOwnArtifact() throws Exception {
    String job = submit();
    StoredArtifact a = store.put(job, "image-000.png", "image/png", new byte[] {1, 2, 3});
    StoredArtifact foreign = store.put("j-other", "image-000.png", "image/png", new byte[] {9});
    gw.deliver(
        chunk(job, 2).setCompleted(Completed.newBuilder().addArtifacts(a.toProto(0))).build());

    assertCode(
        "key-b", GetArtifactRequest.newBuilder().setJobId(job).setIndex(0), Status.Code.NOT_FOUND);
    assertCode(
        "key-a", GetArtifactRequest.newBuilder().setJobId(job).setIndex(4), Status.Code.NOT_FOUND);
    assertCode(
        "key-a",
        GetArtifactRequest.newBuilder().setJobId(job).setUri(foreign.uri().toString()),
        Status.Code.NOT_FOUND);
    assertCode(
        "key-a", GetArtifactRequest.newBuilder().setJobId(job), Status.Code.INVALID_ARGUMENT);
    assertCode(
        "key-a",
        GetArtifactRequest.newBuilder().setJobId(job).setUri("x".repeat(5000)),
        Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void aFrameRelayedAsAReferenceReachesTheClientWithItsBytesInSeqOrder() throws Exception {
    String job = submit();
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
    StoredArtifact a = store.put(job, "image-000.png", "image/png", png);
    Frame reference =
        Frame.newBuilder().setIndex(0).setMediaType("image/png").setUri(a.uri().toString()).build();
    // Out of order, as chunks from lumina.chunks and ChunkSink may interleave.
    gw.table.onRelayedChunk(chunk(job, 4).setFrame(reference).build());
    gw.table.onRelayedChunk(
        chunk(job, 3)
            .setPreview(Preview.newBuilder().setStep(1).setPng(ByteString.copyFrom(png)))
            .build());
    gw.table.onRelayedChunk(
        chunk(job, 2).setProgress(Progress.newBuilder().setStep(1).setTotal(1)).build());
    gw.table.onRelayedChunk(
        chunk(job, 5).setCompleted(Completed.newBuilder().addArtifacts(a.toProto(0))).build());

    List<GenerationChunk> seen = new ArrayList<>();
    gw.generation("key-a")
        .watch(WatchRequest.newBuilder().setJobId(job).build())
        .forEachRemaining(seen::add);

    assertThat(seen).extracting(GenerationChunk::getSeq).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(seen.get(3).getFrame().getData().toByteArray()).isEqualTo(png);
    assertThat(seen.get(3).getFrame().getUri()).isEqualTo(a.uri().toString());
    Job state =
        gw.generation("key-a")
            .getJob(dev.lumina.proto.v1.GetJobRequest.newBuilder().setJobId(job).build());
    assertThat(state.getLastSeq()).isEqualTo(5);
  }

  @Test
  void aStreamWaitsForAMissingSeqInsteadOfSkippingIt() throws Exception {
    String job = submit();
    gw.table.onRelayedChunk(chunk(job, 3).setProgress(Progress.newBuilder().setStep(2)).build());
    var stream = gw.generation("key-a").watch(WatchRequest.newBuilder().setJobId(job).build());
    assertThat(stream.next().getSeq()).isEqualTo(1);
    gw.table.onRelayedChunk(chunk(job, 2).setProgress(Progress.newBuilder().setStep(1)).build());
    assertThat(stream.next().getSeq()).isEqualTo(2);
    assertThat(stream.next().getSeq()).isEqualTo(3);
  }

  private void assertCode(String key, GetArtifactRequest.Builder request, Status.Code code) {
    assertThatThrownBy(
            () -> gw.generation(key).getArtifact(request.build()).forEachRemaining(c -> {}))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
  }
}

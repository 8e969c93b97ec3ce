package dev.lumina.worker.flagdit;

import com.google.protobuf.ByteString;
import dev.lumina.artifacts.ArtifactStore;
import dev.lumina.artifacts.ArtifactStoreException;
import dev.lumina.artifacts.ArtifactStoreUnavailableException;
import dev.lumina.artifacts.StoredArtifact;
import dev.lumina.engine.media.PngEncoder;
import dev.lumina.engine.media.RgbImage;
import dev.lumina.engine.media.TileGrid;
import dev.lumina.engine.media.TileRect;
import dev.lumina.engine.media.WavEncoder;
import dev.lumina.proto.Outputs;
import dev.lumina.proto.v1.Artifact;
import dev.lumina.proto.v1.AudioSegment;
import dev.lumina.proto.v1.Frame;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.Tile;
import dev.lumina.worker.ChunkEmitter;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes a job's decoded outputs, stores each as one artifact and streams it: a picture that fits
 * in one tile as a {@code frame} chunk, a larger one as {@code tile} chunks (each tile its own PNG,
 * per {@code Output.tile_size}, each tile also stored on its own as {@code
 * <artifact>-tile-<x>-<y>.png}); audio as one {@code audio} chunk. Every chunk names where its
 * bytes are kept ({@code uri}). Artifacts are named by kind and index ({@link Outputs#fileName}:
 * {@code image-000.png}, {@code frame-003.png}, {@code view-001.png}, {@code audio-000.wav}), so a
 * rerun of the job rewrites the same names.
 *
 * <p>One instance per job, used from the job's thread.
 */
final class OutputWriter {
  private final String jobId;
  private final Modality modality;
  private final int tileSize;
  private final ArtifactStore store;
  private final ChunkEmitter emitter;
  private final List<Artifact> artifacts = new ArrayList<>();

  OutputWriter(
      String jobId, Modality modality, int tileSize, ArtifactStore store, ChunkEmitter emitter) {
    this.jobId = jobId;
    this.modality = modality;
    this.tileSize = tileSize <= 0 ? TileGrid.DEFAULT_TILE_SIZE : tileSize;
    this.store = store;
    this.emitter = emitter;
  }

  void picture(int index, RgbImage image)
      throws ArtifactStoreException, ArtifactStoreUnavailableException {
    byte[] png = PngEncoder.encode(image);
    String name = Outputs.fileName(modality, index, "png");
    StoredArtifact a = store.put(jobId, name, PngEncoder.MEDIA_TYPE, png);
    artifacts.add(a.toProto(index));
    TileGrid grid = new TileGrid(image.width(), image.height(), tileSize);
    if (!grid.tiled()) {
      emitter.frame(
          Frame.newBuilder()
              .setIndex(index)
              .setMediaType(PngEncoder.MEDIA_TYPE)
              .setData(ByteString.copyFrom(png))
              .setUri(a.uri().toString())
              .build());
      return;
    }
    String stem = name.substring(0, name.length() - ".png".length());
    for (TileRect r : grid.tiles()) {
      byte[] tilePng = PngEncoder.encode(image.crop(r));
      // Each tile is kept on its own too, so any gateway can send it again as it was streamed.
      StoredArtifact t =
          store.put(
              jobId,
              String.format("%s-tile-%05d-%05d.png", stem, r.x(), r.y()),
              PngEncoder.MEDIA_TYPE,
              tilePng);
      emitter.tile(
          Tile.newBuilder()
              .setFrame(index)
              .setX(r.x())
              .setY(r.y())
              .setWidth(r.width())
              .setHeight(r.height())
              .setMediaType(PngEncoder.MEDIA_TYPE)
              .setData(ByteString.copyFrom(tilePng))
              .setUri(t.uri().toString())
              .build());
    }
  }

  void audio(int index, float[] samples, int sampleRateHz)
      throws ArtifactStoreException, ArtifactStoreUnavailableException {
    byte[] wav = WavEncoder.encodePcm16(samples, sampleRateHz);
    StoredArtifact a =
        store.put(jobId, Outputs.fileName(modality, index, "wav"), WavEncoder.MEDIA_TYPE, wav);
    artifacts.add(a.toProto(index));
    emitter.audio(
        AudioSegment.newBuilder()
            .setIndex(index)
            .setSampleRateHz(sampleRateHz)
            .setMediaType(WavEncoder.MEDIA_TYPE)
            .setData(ByteString.copyFrom(wav))
            .setUri(a.uri().toString())
            .build());
  }

  List<Artifact> artifacts() {
    return List.copyOf(artifacts);
  }
}

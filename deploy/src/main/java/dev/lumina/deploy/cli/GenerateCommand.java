package dev.lumina.deploy.cli;

import dev.lumina.proto.v1.Extrapolation;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.Geometry;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.Output;
import dev.lumina.proto.v1.OutputFormat;
import dev.lumina.proto.v1.Progress;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.proto.v1.Solver;
import dev.lumina.proto.v1.Tile;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lumina generate "prompt" --out DIR}: the client. Sends one {@code Generate} request with a
 * flag for every request field, draws a progress bar with step and ETA on stderr, writes each frame
 * / view / image (tiles reassembled) as PNG and each audio segment as WAV under {@code --out}, and
 * prints the written paths on stdout, one per line.
 *
 * <p>Exit codes: 0 done; 1 refused or failed (the status code and the server's message on stderr),
 * or no server at the address; 2 bad command line.
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Generate an image, video, multi-view set or audio clip from a prompt.")
public final class GenerateCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "PROMPT", description = "What to generate.")
  String prompt;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = ".", description = "Folder for the outputs (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--server", paramLabel = "HOST:PORT", defaultValue = "${env:LUMINA_SERVER:-127.0.0.1:8443}",
      description = "Gateway address (default: ${DEFAULT-VALUE}).")
  String server;

  @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:LUMINA_API_KEY}", description = "Sent as x-api-key.")
  String apiKey;

  @Option(names = "--model", description = "Model name (default: the server's).") String model = "";
  @Option(names = "--modality", description = "IMAGE, VIDEO, MULTIVIEW or AUDIO (default: IMAGE).") Modality modality = Modality.IMAGE;
  @Option(names = "--negative", paramLabel = "TEXT", description = "Negative prompt.") String negative = "";
  @Option(names = "--width", description = "Width in pixels (0 = model default).") int width;
  @Option(names = "--height", description = "Height in pixels (0 = model default).") int height;
  @Option(names = "--frames", description = "VIDEO: frame count.") int frames;
  @Option(names = "--views", description = "MULTIVIEW: view count.") int views;
  @Option(names = "--duration", paramLabel = "SECONDS", description = "AUDIO: clip length in seconds.") float duration;
  @Option(names = "--steps", description = "Sampling grid points (0 = model default).") int steps;
  @Option(names = "--solver", description = "EULER, MIDPOINT, RK4 or DOPRI5 (default: the model's).") Solver solver = Solver.SOLVER_UNSPECIFIED;
  @Option(names = "--cfg", paramLabel = "SCALE", description = "Classifier-free guidance scale (0 = model default).") float cfg;
  @Option(names = "--time-shift", paramLabel = "S", description = "Time shift (0 = model default).") float timeShift;
  @Option(names = "--seed", description = "Seed of the starting noise (default: random).") Long seed;
  @Option(names = "--full-channel-cfg", description = "Guide every latent channel.") boolean fullChannelCfg;
  @Option(names = "--ntk-scaling", negatable = true, description = "NTK-aware RoPE scaling (server default: on).") Boolean ntkScaling;
  @Option(names = "--proportional-attention", negatable = true, description = "Proportional attention (server default: on).") Boolean proportionalAttention;
  @Option(names = "--format", description = "PNG or WAV (default: by modality).") OutputFormat format = OutputFormat.OUTPUT_FORMAT_UNSPECIFIED;
  @Option(names = "--preview-every", paramLabel = "N", description = "A preview every N steps (0 = none).") int previewEvery;
  @Option(names = "--save-previews", description = "Also write previews to --out.") boolean savePreviews;
  @Option(names = "--tile-size", paramLabel = "PX", description = "Tile side for large pictures (0 = server default).") int tileSize;
  @Option(names = "--priority", description = "1 (lowest) .. 9 (highest); 0 = default.") int priority;
  @Option(names = "--max-queue-ms", paramLabel = "MS", description = "Longest wait in the queue (0 = no limit).") long maxQueueMs;
  @Option(names = "--request-id", paramLabel = "ID", description = "Idempotency key.") String requestId = "";
  @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Label echoed in the job (repeatable).") Map<String, String> labels = new TreeMap<>();
  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "3600", description = "Give up after this long (default: ${DEFAULT-VALUE}).") long timeoutSeconds;

  @Spec CommandSpec spec;

  private PrintWriter stdout;
  private PrintWriter stderr;

  /** The request the flags describe. */
  GenerateRequest request() {
    Sampling.Builder s = Sampling.newBuilder().setSteps(steps).setSolver(solver).setCfgScale(cfg)
        .setTimeShift(timeShift).setFullChannelCfg(fullChannelCfg);
    if (seed != null) {
      s.setSeed(seed);
    }
    Extrapolation.Builder x = Extrapolation.newBuilder();
    if (ntkScaling != null) {
      x.setNtkScaling(ntkScaling);
    }
    if (proportionalAttention != null) {
      x.setProportionalAttention(proportionalAttention);
    }
    return GenerateRequest.newBuilder()
        .setRequestId(requestId).setModel(model).setModality(modality).setPrompt(prompt)
        .setNegativePrompt(negative)
        .setGeometry(Geometry.newBuilder().setWidth(width).setHeight(height).setFrames(frames)
            .setViews(views).setDurationS(duration))
        .setSampling(s).setExtrapolation(x)
        .setOutput(Output.newBuilder().setFormat(format).setPreviewEvery(previewEvery).setTileSize(tileSize))
        .setPriority(priority).setMaxQueueMs(maxQueueMs).putAllLabels(labels)
        .build();
  }

  @Override
  public Integer call() {
    stdout = spec.commandLine().getOut();
    stderr = spec.commandLine().getErr();
    try {
      return generate();
    } finally {
      stdout.flush();
      stderr.flush();
    }
  }

  private int generate() {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(server).usePlaintext()
        .maxInboundMessageSize(64 * 1024 * 1024).build();
    try {
      Files.createDirectories(out);
      GenerationGrpc.GenerationBlockingStub stub = GenerationGrpc.newBlockingStub(channel)
          .withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS);
      if (apiKey != null && !apiKey.isEmpty()) {
        Metadata h = new Metadata();
        h.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), apiKey);
        stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
      }
      return stream(stub.generate(request()));
    } catch (StatusRuntimeException e) {
      endProgressLine();
      Status st = e.getStatus();
      if (st.getCode() == Status.Code.UNAVAILABLE) {
        stderr.println("lumina generate: no Lumina server at " + server
            + (st.getDescription() == null ? "" : " (" + st.getDescription() + ")"));
      } else {
        stderr.println("lumina generate: " + st.getCode() + ": " + st.getDescription());
      }
      return 1;
    } catch (IOException e) {
      endProgressLine();
      stderr.println("lumina generate: cannot write to " + out + ": " + e.getMessage());
      return 1;
    } finally {
      channel.shutdownNow();
    }
  }

  private boolean progressShown;

  private int stream(Iterator<GenerationChunk> chunks) throws IOException {
    Outputs outputs = new Outputs(out);
    String jobId = "";
    while (chunks.hasNext()) {
      GenerationChunk c = chunks.next();
      jobId = c.getJobId();
      switch (c.getPayloadCase()) {
        case ACCEPTED -> stderr.println("job " + jobId + " accepted (tier " + c.getAccepted().getTier()
            + ", " + c.getAccepted().getTokenBudget() + " tokens)");
        case PROGRESS -> drawProgress(c.getProgress());
        case PREVIEW -> {
          if (savePreviews) {
            outputs.write(jobId + "-preview-" + c.getPreview().getStep() + ".png", c.getPreview().getPng().toByteArray());
          }
        }
        case FRAME -> outputs.write(name(jobId, c.getFrame().getIndex(), "png"), c.getFrame().getData().toByteArray());
        case TILE -> outputs.tile(c.getTile());
        case AUDIO -> outputs.write(name(jobId, c.getAudio().getIndex(), "wav"), c.getAudio().getData().toByteArray());
        case COMPLETED -> {
          endProgressLine();
          outputs.flushTiles(i -> name(c.getJobId(), i, "png"));
          outputs.written.forEach(p -> stdout.println(p));
          stderr.println("job " + jobId + " done in " + c.getCompleted().getTimings().getTotalMs() + " ms, seed "
              + Long.toUnsignedString(c.getCompleted().getSeed()));
          return 0;
        }
        case FAILED -> {
          endProgressLine();
          stderr.println("lumina generate: job " + jobId + " " + c.getFailed().getCode() + ": "
              + c.getFailed().getMessage());
          return 1;
        }
        default -> { }
      }
    }
    endProgressLine();
    stderr.println("lumina generate: the server ended the stream of job " + jobId + " without a result");
    return 1;
  }

  private String name(String jobId, int index, String ext) {
    String kind = switch (modality) {
      case VIDEO -> "frame";
      case MULTIVIEW -> "view";
      case AUDIO -> "audio";
      default -> "image";
    };
    return String.format(Locale.ROOT, "%s-%s-%03d.%s", jobId, kind, index, ext);
  }

  private void drawProgress(Progress p) {
    int width = 30;
    int total = Math.max(1, p.getTotal());
    int filled = (int) ((long) width * Math.min(p.getStep(), total) / total);
    String bar = "#".repeat(filled) + "-".repeat(width - filled);
    stderr.print(String.format(Locale.ROOT, "\r[%s] step %d/%d  ETA %.1fs ", bar, p.getStep(), total, p.getEtaMs() / 1000.0));
    stderr.flush();
    progressShown = true;
  }

  private void endProgressLine() {
    if (progressShown) {
      stderr.println();
      progressShown = false;
    }
  }

  /** Files written so far, and tiles waiting to be joined into whole pictures. */
  private static final class Outputs {
    private final Path dir;
    final List<Path> written = new ArrayList<>();
    private final Map<Integer, List<Tile>> tiles = new TreeMap<>();

    Outputs(Path dir) {
      this.dir = dir;
    }

    void write(String name, byte[] data) throws IOException {
      Path p = dir.resolve(name);
      Files.write(p, data);
      written.add(p);
    }

    void tile(Tile t) {
      tiles.computeIfAbsent(t.getFrame(), k -> new ArrayList<>()).add(t);
    }

    void flushTiles(java.util.function.IntFunction<String> names) throws IOException {
      for (Map.Entry<Integer, List<Tile>> e : tiles.entrySet()) {
        int w = 0;
        int h = 0;
        for (Tile t : e.getValue()) {
          w = Math.max(w, t.getX() + t.getWidth());
          h = Math.max(h, t.getY() + t.getHeight());
        }
        BufferedImage whole = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (Tile t : e.getValue()) {
          BufferedImage part = ImageIO.read(new ByteArrayInputStream(t.getData().toByteArray()));
          if (part == null) {
            throw new IOException("tile at (" + t.getX() + ", " + t.getY() + ") of frame " + e.getKey() + " is not a readable image");
          }
          whole.getGraphics().drawImage(part, t.getX(), t.getY(), null);
        }
        Path p = dir.resolve(names.apply(e.getKey()));
        if (!ImageIO.write(whole, "png", p.toFile())) {
          throw new IOException("no PNG writer");
        }
        written.add(p);
      }
      tiles.clear();
    }
  }
}

package dev.lumina.deploy.client;

import dev.lumina.proto.Outputs;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.Modality;
import dev.lumina.proto.v1.Progress;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The command-line client of the public {@code Generate} call: sends one request to a gateway,
 * draws a progress bar with step and ETA on stderr, writes each frame / view / image (tiles
 * reassembled) as PNG and each audio segment as WAV under the output folder, named {@code
 * JOB-KIND-NNN.EXT}, and prints the written paths on stdout, one per line. Failures (refusal with
 * its status code and the server's message, a failed job, no server at the address, an unwritable
 * folder) are reported on stderr prefixed by the command's name, and give exit code 1.
 *
 * <p>Plaintext, or TLS as the credentials given at construction say (e.g. {@code
 * dev.lumina.deploy.tls.ClientTls#credentials}). Used by {@code lumina generate} and {@code lumina
 * demo}. Not thread-safe: one call at a time; each call opens and closes its own channel.
 */
public final class GenerateClient {
  private static final int MAX_INBOUND_BYTES = 64 * 1024 * 1024;
  private static final int BAR_WIDTH = 30;

  private final String command;
  private final PrintWriter stdout;
  private final PrintWriter stderr;
  private final ChannelCredentials credentials;
  private boolean progressShown;

  /**
   * @param command the prefix of error lines, e.g. {@code "lumina generate"}
   * @param stdout where written paths go
   * @param stderr where the progress bar, job lines and errors go
   */
  public GenerateClient(String command, PrintWriter stdout, PrintWriter stderr) {
    this(command, stdout, stderr, InsecureChannelCredentials.create());
  }

  /**
   * A client whose channels are secured by {@code credentials}.
   *
   * @param credentials {@code InsecureChannelCredentials} for plaintext, or TLS credentials
   */
  public GenerateClient(
      String command, PrintWriter stdout, PrintWriter stderr, ChannelCredentials credentials) {
    this.command = Objects.requireNonNull(command, "command");
    this.stdout = Objects.requireNonNull(stdout, "stdout");
    this.stderr = Objects.requireNonNull(stderr, "stderr");
    this.credentials = Objects.requireNonNull(credentials, "credentials");
  }

  /**
   * Runs {@code request} on the gateway at {@code server} ({@code HOST:PORT}) and writes its
   * outputs under {@code out} (created if missing).
   *
   * @param apiKey sent as {@code x-api-key} when not null or empty
   * @param timeoutSeconds deadline of the whole call
   * @param savePreviews also write the previews the job streams
   */
  public GenerateResult generate(
      String server,
      String apiKey,
      long timeoutSeconds,
      GenerateRequest request,
      Path out,
      boolean savePreviews) {
    ManagedChannel channel =
        Grpc.newChannelBuilder(server, credentials)
            .maxInboundMessageSize(MAX_INBOUND_BYTES)
            .build();
    try {
      Files.createDirectories(out);
      GenerationGrpc.GenerationBlockingStub stub =
          GenerationGrpc.newBlockingStub(channel)
              .withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS);
      if (apiKey != null && !apiKey.isEmpty()) {
        Metadata h = new Metadata();
        h.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), apiKey);
        stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
      }
      return stream(
          stub.generate(request), new OutputFiles(out), request.getModality(), savePreviews);
    } catch (StatusRuntimeException e) {
      endProgressLine();
      Status st = e.getStatus();
      Throwable tls = handshakeFailure(e);
      if (st.getCode() == Status.Code.UNAVAILABLE && tls != null) {
        stderr.println(
            command
                + ": TLS with "
                + server
                + " failed: "
                + tls.getMessage()
                + " (does --tls-ca hold the gateway's CA, and does its certificate name the"
                + " host?)");
      } else if (st.getCode() == Status.Code.UNAVAILABLE) {
        stderr.println(
            command
                + ": no Lumina server at "
                + server
                + (st.getDescription() == null ? "" : " (" + st.getDescription() + ")"));
      } else {
        stderr.println(command + ": " + st.getCode() + ": " + st.getDescription());
      }
      return GenerateResult.failed();
    } catch (IOException e) {
      endProgressLine();
      stderr.println(command + ": cannot write to " + out + ": " + e.getMessage());
      return GenerateResult.failed();
    } finally {
      channel.shutdownNow();
      stdout.flush();
      stderr.flush();
    }
  }

  /** The TLS failure behind {@code e}, if that is why the call failed; else null. */
  private static Throwable handshakeFailure(StatusRuntimeException e) {
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof javax.net.ssl.SSLException) {
        return t;
      }
    }
    return null;
  }

  private GenerateResult stream(
      Iterator<GenerationChunk> chunks,
      OutputFiles outputs,
      Modality modality,
      boolean savePreviews)
      throws IOException {
    String jobId = "";
    while (chunks.hasNext()) {
      GenerationChunk c = chunks.next();
      jobId = c.getJobId();
      switch (c.getPayloadCase()) {
        case ACCEPTED ->
            stderr.println(
                "job "
                    + jobId
                    + " accepted (tier "
                    + c.getAccepted().getTier()
                    + ", "
                    + c.getAccepted().getTokenBudget()
                    + " tokens)");
        case PROGRESS -> drawProgress(c.getProgress());
        case PREVIEW -> {
          if (savePreviews) {
            outputs.write(
                jobId + "-preview-" + c.getPreview().getStep() + ".png",
                c.getPreview().getPng().toByteArray());
          }
        }
        case FRAME ->
            outputs.write(
                name(jobId, modality, c.getFrame().getIndex(), "png"),
                c.getFrame().getData().toByteArray());
        case TILE -> outputs.tile(c.getTile());
        case AUDIO ->
            outputs.write(
                name(jobId, modality, c.getAudio().getIndex(), "wav"),
                c.getAudio().getData().toByteArray());
        case COMPLETED -> {
          endProgressLine();
          String id = jobId;
          outputs.flushTiles(i -> name(id, modality, i, "png"));
          outputs.written().forEach(stdout::println);
          stderr.println(
              "job "
                  + jobId
                  + " done in "
                  + c.getCompleted().getTimings().getTotalMs()
                  + " ms, seed "
                  + Long.toUnsignedString(c.getCompleted().getSeed()));
          return new GenerateResult(0, outputs.written());
        }
        case FAILED -> {
          endProgressLine();
          stderr.println(
              command
                  + ": job "
                  + jobId
                  + " "
                  + c.getFailed().getCode()
                  + ": "
                  + c.getFailed().getMessage());
          return GenerateResult.failed();
        }
        default -> {}
      }
    }
    endProgressLine();
    stderr.println(command + ": the server ended the stream of job " + jobId + " without a result");
    return GenerateResult.failed();
  }

  /**
   * {@code JOB-KIND-NNN.EXT}: the job id, then the name the worker stores the artifact under
   * ({@link Outputs#fileName}), so the outputs of several jobs can share one folder.
   */
  static String name(String jobId, Modality modality, int index, String ext) {
    return jobId + "-" + Outputs.fileName(modality, index, ext);
  }

  private void drawProgress(Progress p) {
    int total = Math.max(1, p.getTotal());
    int filled = (int) ((long) BAR_WIDTH * Math.min(p.getStep(), total) / total);
    String bar = "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled);
    stderr.print(
        String.format(
            Locale.ROOT,
            "\r[%s] step %d/%d  ETA %.1fs ",
            bar,
            p.getStep(),
            total,
            p.getEtaMs() / 1000.0));
    stderr.flush();
    progressShown = true;
  }

  private void endProgressLine() {
    if (progressShown) {
      stderr.println();
      progressShown = false;
    }
  }
}

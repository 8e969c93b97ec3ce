package dev.lumina.gateway;

import dev.lumina.proto.Jobs;
import dev.lumina.proto.cluster.v1.ControlMessage;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.v1.Accepted;
import dev.lumina.proto.v1.ArtifactChunk;
import dev.lumina.proto.v1.CancelRequest;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.GenerationGrpc;
import dev.lumina.proto.v1.GetArtifactRequest;
import dev.lumina.proto.v1.GetJobRequest;
import dev.lumina.proto.v1.Job;
import dev.lumina.proto.v1.JobState;
import dev.lumina.proto.v1.Sampling;
import dev.lumina.proto.v1.WatchRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code lumina.v1.Generation}: validates, publishes durably, then answers; streams a job's chunks
 * from the {@link JobTable}. Tenants see only their own jobs (another tenant's job is NOT_FOUND).
 *
 * <p>Thread-safe; handlers never block on anything but the bounded Kafka acknowledgement of an
 * accept or cancel.
 */
final class GenerationService extends GenerationGrpc.GenerationImplBase {
  /** Longer than any job id the gateway hands out ({@code j-} and 32 hex digits). */
  static final int MAX_JOB_ID_BYTES = 128;

  /** Longer than any artifact URI a store hands out. */
  static final int MAX_URI_BYTES = 2048;

  private final RequestValidator validator;
  private final Admission admission;
  private final JobPublisher publisher;
  private final JobTable table;
  private final Clock clock;
  private final String chunkSinkAddress;
  private final Duration lookupWait;
  private final ArtifactBytes bytes;
  private final Executor streams;
  private final SecureRandom seeds = new SecureRandom();

  /**
   * @param admission the quotas a new job must fit
   * @param bytes the artifact store as this gateway reads it
   * @param streams runs what a client stream waits on (reading artifact bytes, sending chunks)
   */
  GenerationService(
      RequestValidator validator,
      Admission admission,
      JobPublisher publisher,
      JobTable table,
      Clock clock,
      String chunkSinkAddress,
      Duration lookupWait,
      ArtifactBytes bytes,
      Executor streams) {
    this.validator = validator;
    this.admission = admission;
    this.publisher = publisher;
    this.table = table;
    this.clock = clock;
    this.chunkSinkAddress = chunkSinkAddress;
    this.lookupWait = lookupWait;
    this.bytes = bytes;
    this.streams = streams;
  }

  @Override
  public void generate(GenerateRequest request, StreamObserver<GenerationChunk> out) {
    JobRecord record;
    try {
      record = accept(request);
    } catch (RuntimeException e) {
      out.onError(GatewayErrors.toStatus(e));
      return;
    }
    StreamFollower.attach(out, bytes, streams).follow(record, 0);
  }

  @Override
  public void submit(GenerateRequest request, StreamObserver<Job> out) {
    try {
      Job job = accept(request).snapshot();
      out.onNext(job);
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(GatewayErrors.toStatus(e));
    }
  }

  @Override
  public void watch(WatchRequest request, StreamObserver<GenerationChunk> out) {
    String tenant = Tenancy.current();
    StreamFollower follower = StreamFollower.attach(out, bytes, streams);
    lookup(request.getJobId(), tenant, out, r -> follower.follow(r, request.getAfterSeq()));
  }

  /**
   * Publishes the cancel (durably), then answers with the job once it has ended (CANCELLED, or
   * however it ended first), or as it is after {@code lookupWait} if it is still stopping.
   */
  @Override
  public void cancel(CancelRequest request, StreamObserver<Job> out) {
    String tenant = Tenancy.current();
    lookup(
        request.getJobId(),
        tenant,
        out,
        r -> {
          try {
            if (!r.ended()) {
              publisher.publishControl(
                  ControlMessage.newBuilder()
                      .setJobId(r.jobId())
                      .setTenant(tenant)
                      .setCancel(ControlMessage.Cancel.newBuilder().setAtMs(clock.millis()))
                      .build());
            }
          } catch (RuntimeException e) {
            out.onError(GatewayErrors.toStatus(e));
            return;
          }
          r.whenTerminal()
              .copy()
              .completeOnTimeout(null, lookupWait.toMillis(), TimeUnit.MILLISECONDS)
              .thenAcceptAsync(
                  ended -> {
                    out.onNext(ended != null ? ended : r.snapshot());
                    out.onCompleted();
                  },
                  streams);
        });
  }

  @Override
  public void getJob(GetJobRequest request, StreamObserver<Job> out) {
    lookup(
        request.getJobId(),
        Tenancy.current(),
        out,
        r -> {
          out.onNext(r.snapshot());
          out.onCompleted();
        });
  }

  @Override
  public void getArtifact(GetArtifactRequest request, StreamObserver<ArtifactChunk> out) {
    if (request.getArtifactCase() == GetArtifactRequest.ArtifactCase.ARTIFACT_NOT_SET) {
      out.onError(GatewayErrors.invalidArgument("artifact", "artifact: index or uri is required"));
      return;
    }
    if (request.getArtifactCase() == GetArtifactRequest.ArtifactCase.URI
        && request.getUri().getBytes(StandardCharsets.UTF_8).length > MAX_URI_BYTES) {
      out.onError(
          GatewayErrors.invalidArgument(
              "uri",
              "uri: "
                  + GatewayErrors.quote(request.getUri())
                  + " exceeds the limit of "
                  + MAX_URI_BYTES
                  + " bytes"));
      return;
    }
    if (bytes.store().isEmpty()) {
      out.onError(
          Status.FAILED_PRECONDITION
              .withDescription(
                  "this gateway has no artifact store: start it with --artifacts (the workers'"
                      + " store)")
              .asRuntimeException());
      return;
    }
    ArtifactDownload download =
        ArtifactDownload.attach((ServerCallStreamObserver<ArtifactChunk>) out);
    lookup(
        request.getJobId(),
        Tenancy.current(),
        out,
        r -> streams.execute(() -> download.send(r, request, bytes)));
  }

  /** Validates, publishes and records a job, or returns the original job of a resubmission. */
  private JobRecord accept(GenerateRequest request) {
    String tenant = Tenancy.current();
    RequestValidator.ValidatedJob v = validator.validate(request);
    String jobId = JobIds.jobId(tenant, request.getRequestId());
    String fingerprint = JobIds.fingerprint(v.resolved());
    JobRecord existing = table.find(jobId).orElse(null);
    if (existing != null) {
      JobEnvelope env = existing.envelope();
      if (env != null && !env.getRequestFingerprint().equals(fingerprint)) {
        throw Status.ALREADY_EXISTS
            .withDescription(
                "request_id: "
                    + GatewayErrors.quote(request.getRequestId())
                    + " was already used for job "
                    + jobId
                    + " with different parameters")
            .asRuntimeException();
      }
      if (env != null && !existing.placed()) {
        // The first accept may have failed half-way (its request record lost in a broker outage):
        // send the request again, so a retried request_id always reaches a scheduler.
        publisher.republishJob(env);
      }
      return existing;
    }
    Sampling sampling = v.resolved().getSampling();
    long seed = sampling.hasSeed() ? sampling.getSeed() : seeds.nextLong() & Long.MAX_VALUE;
    GenerateRequest resolved =
        v.resolved().toBuilder().setSampling(sampling.toBuilder().setSeed(seed)).build();
    long now = clock.millis();
    JobEnvelope envelope =
        JobEnvelope.newBuilder()
            .setJobId(jobId)
            .setTenant(tenant)
            .setRequest(resolved)
            .setTokenBudget(v.tokenBudget())
            .setTier(v.tier())
            .setAcceptedAtMs(now)
            .setQueueDeadlineMs(resolved.getMaxQueueMs() > 0 ? now + resolved.getMaxQueueMs() : 0)
            .setGateway(chunkSinkAddress)
            .setRequestFingerprint(fingerprint)
            .setSeed(seed)
            .build();
    Job job = Jobs.fromEnvelope(envelope, JobState.QUEUED);
    GenerationChunk accepted =
        GenerationChunk.newBuilder()
            .setJobId(jobId)
            .setSeq(1)
            .setAccepted(
                Accepted.newBuilder()
                    .setTokenBudget(v.tokenBudget())
                    .setTier(v.tier())
                    .setResolved(resolved))
            .build();
    JobEvent queued =
        JobEvent.newBuilder()
            .setJobId(jobId)
            .setTenant(tenant)
            .setState(JobState.QUEUED)
            .setAtMs(now)
            .setJob(job)
            .setEnvelope(envelope)
            .addChunks(accepted)
            .setSource("gateway")
            .build();
    try (Admission.Ticket ticket = admission.admit(tenant, envelope)) {
      publisher.publishJob(envelope, queued);
      JobRecord record = table.getOrCreate(jobId, tenant, job, envelope);
      record.addChunk(accepted);
      return record;
    }
  }

  private <T> void lookup(
      String jobId, String tenant, StreamObserver<T> out, Consumer<JobRecord> then) {
    if (jobId.isEmpty()) {
      out.onError(GatewayErrors.invalidArgument("job_id", "job_id: is required"));
      return;
    }
    int bytes = jobId.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_JOB_ID_BYTES) {
      out.onError(
          GatewayErrors.invalidArgument(
              "job_id",
              "job_id: "
                  + GatewayErrors.quote(jobId)
                  + " exceeds the limit of "
                  + MAX_JOB_ID_BYTES
                  + " bytes"));
      return;
    }
    table
        .whenKnown(jobId, lookupWait)
        .whenComplete(
            (r, e) -> {
              if (e != null) {
                notFound(jobId, out);
              } else if (!r.tenant().equals(tenant)) {
                // Answered as late as for an unknown id, so timing does not tell that it exists.
                new CompletableFuture<Void>()
                    .completeOnTimeout(null, lookupWait.toMillis(), TimeUnit.MILLISECONDS)
                    .thenRun(() -> notFound(jobId, out));
              } else {
                then.accept(r);
              }
            });
  }

  /** The one answer for an unknown job and for another tenant's: the same words either way. */
  private static void notFound(String jobId, StreamObserver<?> out) {
    out.onError(
        Status.NOT_FOUND
            .withDescription("job_id: no job " + GatewayErrors.quote(jobId))
            .asRuntimeException());
  }
}

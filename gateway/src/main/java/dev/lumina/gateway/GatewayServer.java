package dev.lumina.gateway;

import dev.lumina.gateway.http.HttpFront;
import dev.lumina.proto.kafka.ClusterTopics;
import io.grpc.BindableService;
import io.grpc.ServerInterceptor;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A running gateway: the public {@code lumina.v1} server, the internal {@code ChunkSink} server
 * workers deliver to, the Kafka producer that makes accepted jobs durable, and the follower of
 * {@code lumina.events}, {@code lumina.chunks} and {@code lumina.models}.
 *
 * <p>Lifecycle: {@link #start} creates missing topics, loads the existing events and models, then
 * opens ChunkSink and finally the public port. {@link #close} closes the public port first (no new
 * jobs), then ChunkSink, the follower and the producer. With {@link GatewayConfig#httpPort} above 0
 * it also runs the {@link HttpFront} (OpenAI-compatible images API and the browser playground),
 * which calls the public services in-process ({@link InProcessApi}: the same interceptors, and no
 * TLS to pass whatever the public port's); it opens last and closes first. Each port is secured as
 * {@link GatewayConfig#publicCredentials} and {@link GatewayConfig#chunkSinkCredentials} say.
 * Thread-safe.
 */
public final class GatewayServer implements AutoCloseable {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(GatewayServer.class);
  private final GrpcHost.Bound publicServer;
  private final GrpcHost.Bound chunkSinkServer;
  private final ClusterFollower follower;
  private final JobPublisher publisher;
  private final String chunkSinkAddress;
  private final ExecutorService streams;
  private final HttpFront http;
  private final InProcessApi httpApi;

  private GatewayServer(
      HttpFront http,
      InProcessApi httpApi,
      GrpcHost.Bound publicServer,
      GrpcHost.Bound chunkSinkServer,
      ClusterFollower follower,
      JobPublisher publisher,
      String chunkSinkAddress,
      ExecutorService streams) {
    this.http = http;
    this.httpApi = httpApi;
    this.streams = streams;
    this.publicServer = publicServer;
    this.chunkSinkServer = chunkSinkServer;
    this.follower = follower;
    this.publisher = publisher;
    this.chunkSinkAddress = chunkSinkAddress;
  }

  /**
   * Starts a gateway.
   *
   * @throws IllegalStateException if Kafka cannot be reached or topics cannot be created
   * @throws java.io.UncheckedIOException if a port cannot be bound
   */
  public static GatewayServer start(GatewayConfig config, GrpcHost host) {
    return start(config, host, new CompositeMeterRegistry());
  }

  /** {@link #start(GatewayConfig, GrpcHost)} with its meters in {@code registry}. */
  public static GatewayServer start(GatewayConfig config, GrpcHost host, MeterRegistry registry) {
    awaitKafka(config.kafkaBootstrap());
    ClusterTopics.ensure(
        config.kafkaBootstrap(),
        ClusterTopics.gateway(config.topicPartitions(), config.replication()));
    ModelCatalog catalog = new ModelCatalog(config.staticModels(), config.defaultModel());
    ArtifactBytes bytes = new ArtifactBytes(config.artifacts());
    JobTable table = new JobTable(config.maxJobs(), bytes);
    ExecutorService streams = streamPool();
    ClusterFollower follower =
        new ClusterFollower(config.kafkaBootstrap(), "lumina-gateway-follower", table, catalog);
    follower.bindMetrics(registry);
    JobPublisher publisher = null;
    GrpcHost.Bound sink = null;
    try {
      follower.start();
      if (!follower.awaitCaughtUp(Duration.ofSeconds(30))) {
        throw new IllegalStateException(
            "kafka: could not read " + config.kafkaBootstrap() + " within 30 s");
      }
      KafkaJobPublisher kafkaPublisher =
          new KafkaJobPublisher(config.kafkaBootstrap(), "lumina-gateway", config.publishTimeout());
      kafkaPublisher.bindMetrics(registry);
      publisher = kafkaPublisher;
      sink =
          host.start(
              new InetSocketAddress(config.bindHost(), config.chunkSinkPort()),
              config.chunkSinkCredentials(),
              List.<BindableService>of(new ChunkSinkService(table, registry)),
              List.of(),
              GatewayConfig.CHUNK_SINK_MAX_INBOUND_BYTES);
      String sinkAddress = config.advertisedHost() + ":" + sink.port();
      RequestValidator validator = new RequestValidator(catalog, config.tiers());
      Admission admission = new Admission(config.quotas(), table);
      GenerationService generation =
          new GenerationService(
              validator,
              admission,
              publisher,
              table,
              Clock.systemUTC(),
              sinkAddress,
              config.lookupWait(),
              bytes,
              streams);
      RequestParsing parsing = new RequestParsing(Duration.ofSeconds(10));
      List<BindableService> services =
          List.of(parsing.guard(generation), parsing.guard(new ModelsService(catalog)));
      List<ServerInterceptor> interceptors =
          List.of(
              // Inside the metrics, so refusals for quota are counted by tenant; inside Tenancy.
              admission,
              new GatewayMetrics(registry),
              new MessageSizeLimit(config.maxInboundMessageBytes()),
              new Tenancy(config.apiKeys()));
      GrpcHost.Bound pub =
          host.start(
              new InetSocketAddress(config.bindHost(), config.port()),
              config.publicCredentials(),
              services,
              interceptors,
              config.maxInboundMessageBytes());
      HttpFront http = null;
      InProcessApi api = null;
      if (config.httpPort() > 0) {
        try {
          api = InProcessApi.start(services, interceptors, 64 * 1024 * 1024);
          http = HttpFront.start(config.bindHost(), config.httpPort(), api.channel());
        } catch (RuntimeException e) {
          closeQuietly(api, pub);
          throw e;
        }
      }
      return new GatewayServer(http, api, pub, sink, follower, publisher, sinkAddress, streams);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeQuietly(sink, follower, publisher, streams::shutdownNow);
      throw new IllegalStateException("interrupted while starting the gateway", e);
    } catch (RuntimeException e) {
      closeQuietly(sink, follower, publisher, streams::shutdownNow);
      throw e;
    }
  }

  /** How often a gateway waiting for Kafka says so. */
  static final Duration KAFKA_WAIT_LOG_INTERVAL = Duration.ofSeconds(5);

  /**
   * Waits until a broker of {@code bootstrap} answers, saying so every {@link
   * #KAFKA_WAIT_LOG_INTERVAL}: a gateway accepts nothing it cannot make durable, so it opens no
   * port before Kafka is there (and reports not ready meanwhile, where it has a management port).
   *
   * @throws IllegalStateException when interrupted
   */
  static void awaitKafka(String bootstrap) {
    java.util.Properties p = new java.util.Properties();
    p.put(org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(org.apache.kafka.clients.admin.AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
    p.put(org.apache.kafka.clients.admin.AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 4000);
    long waitingSince = System.nanoTime();
    long nextLog = 0;
    try (org.apache.kafka.clients.admin.Admin admin =
        org.apache.kafka.clients.admin.Admin.create(p)) {
      while (true) {
        try {
          admin.describeCluster().nodes().get(5, java.util.concurrent.TimeUnit.SECONDS);
          if (nextLog > 0) {
            LOG.info(
                "kafka: {} answered after {} s; starting",
                bootstrap,
                (System.nanoTime() - waitingSince) / 1_000_000_000L);
          }
          return;
        } catch (java.util.concurrent.ExecutionException
            | java.util.concurrent.TimeoutException e) {
          long now = System.nanoTime();
          if (now >= nextLog) {
            LOG.warn(
                "kafka: cannot reach {} ({}); not serving until it answers, retrying",
                bootstrap,
                e.getCause() != null ? e.getCause().getMessage() : "no answer within 5 s");
            nextLog = now + KAFKA_WAIT_LOG_INTERVAL.toNanos();
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for kafka " + bootstrap, e);
    }
  }

  /**
   * Threads that read artifact bytes and send chunks to client streams: a fixed number (their work
   * never waits on a client: a stream that is not ready is resumed by its ready callback).
   */
  private static ExecutorService streamPool() {
    AtomicInteger n = new AtomicInteger();
    return Executors.newFixedThreadPool(
        Math.max(8, 4 * Runtime.getRuntime().availableProcessors()),
        r -> {
          Thread t = new Thread(r, "lumina-gateway-stream-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  /** Port of the public {@code lumina.v1} services. */
  public int port() {
    return publicServer.port();
  }

  /** Port of the HTTP front (OpenAI-compatible API and playground); 0 when it is off. */
  public int httpPort() {
    return http == null ? 0 : http.port();
  }

  /** {@code host:port} of this gateway's ChunkSink, as written in every job envelope it accepts. */
  public String chunkSinkAddress() {
    return chunkSinkAddress;
  }

  @Override
  public void close() {
    if (http != null) {
      http.close();
      httpApi.close();
    }
    publicServer.close();
    closeQuietly(chunkSinkServer, follower, publisher, streams::shutdown);
  }

  private static void closeQuietly(AutoCloseable... parts) {
    for (AutoCloseable c : parts) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          // Closing the rest matters more than this one failure.
        }
      }
    }
  }
}

package dev.lumina.worker;

import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.ModelCard;
import dev.lumina.proto.kafka.Producers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker process's runtime: takes jobs from its work topics, runs them one at a time through a
 * {@link JobExecutor}, streams their chunks to each job's gateway, records terminal events on
 * {@code lumina.events} and commits offsets only after that (see {@link WorkLoop}); applies cancels
 * from {@code lumina.control}; announces the executor's model on {@code lumina.models}.
 *
 * <p>Lifecycle as in grpc-java: {@link #start()}, then {@link #shutdown()} (stop taking jobs, let
 * the running one finish within the drain timeout, then cancel it) or {@link #shutdownNow()}
 * (cancel the running job at its next step), then {@link #awaitTermination}. Owns three named
 * threads: {@code <id>-poll} (the work consumer), {@code <id>-job} (model work, queue of one) and
 * {@code <id>-control}. Thread-safe. Does not close the executor: its creator does.
 */
public final class WorkerServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WorkerServer.class);

  private final WorkerConfig config;
  private final JobExecutor executor;
  private final CancelRegistry cancels = new CancelRegistry();
  private final KafkaJobEventSink events;
  private final ChunkSinkClient chunkSink;
  private final ExecutorService jobThread;
  private final WorkLoop loop;
  private final ControlListener control;
  private final Thread pollThread;
  private final Thread controlThread;
  private final CountDownLatch terminated = new CountDownLatch(1);
  private final Object lock = new Object();
  private boolean started; // guarded by lock
  private boolean shutdown; // guarded by lock
  private boolean pollStartFailed; // guarded by lock

  /** As {@link #WorkerServer(WorkerConfig, JobExecutor, MeterRegistry)}, with no metrics. */
  public WorkerServer(WorkerConfig config, JobExecutor executor) {
    this(config, executor, new CompositeMeterRegistry());
  }

  /**
   * A worker on the system clock, delivering chunks as {@link WorkerConfig#chunkSinkCredentials}
   * say (plaintext by default), its meters in {@code registry}.
   */
  public WorkerServer(WorkerConfig config, JobExecutor executor, MeterRegistry registry) {
    this(
        config,
        executor,
        new ChunkSinkClient(config.chunkSinkCredentials(), config.chunkAckTimeout()),
        Clock.systemUTC(),
        registry);
  }

  public WorkerServer(
      WorkerConfig config, JobExecutor executor, ChunkSinkClient chunkSink, Clock clock) {
    this(config, executor, chunkSink, clock, new CompositeMeterRegistry());
  }

  public WorkerServer(
      WorkerConfig config,
      JobExecutor executor,
      ChunkSinkClient chunkSink,
      Clock clock,
      MeterRegistry registry) {
    this.config = config;
    this.executor = executor;
    this.chunkSink = chunkSink;
    this.events =
        new KafkaJobEventSink(
            config.bootstrapServers(), config.workerId() + "-events", config.eventTimeout());
    this.jobThread =
        new ThreadPoolExecutor(
            Math.max(1, executor.concurrentJobs()),
            Math.max(1, executor.concurrentJobs()),
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(Math.max(1, executor.concurrentJobs())),
            r -> {
              Thread t = new Thread(r, config.workerId() + "-job");
              t.setDaemon(false);
              return t;
            });
    this.loop =
        new WorkLoop(
            config,
            new JobRunner(
                executor,
                chunkSink,
                chunk -> events.chunk(chunk),
                clock,
                new WorkerMetrics(registry, config.workerId(), executor::engineBytes)),
            executor,
            events,
            cancels,
            jobThread);
    events.bindMetrics(registry);
    loop.bindMetrics(registry);
    this.control = new ControlListener(config, cancels, clock);
    this.pollThread = new Thread(this::runLoop, config.workerId() + "-poll");
    this.controlThread = new Thread(control, config.workerId() + "-control");
  }

  /**
   * Announces the model, starts the control listener and waits (bounded by the event timeout) until
   * it reads {@code lumina.control}, then starts taking jobs.
   *
   * @throws IllegalStateException when started twice or after shutdown
   * @throws WorkerStartException when the broker cannot be reached in time
   */
  public WorkerServer start() throws WorkerStartException {
    synchronized (lock) {
      if (started || shutdown) {
        throw new IllegalStateException("worker already started or shut down");
      }
      started = true;
    }
    try {
      announce(executor.modelCard());
      controlThread.start();
      if (!control.assigned().await(config.eventTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        throw new WorkerStartException(
            "cannot read "
                + Topics.CONTROL
                + " from "
                + config.bootstrapServers()
                + " within "
                + config.eventTimeout().toMillis()
                + " ms",
            null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abandon();
      throw new WorkerStartException("interrupted while starting", e);
    } catch (WorkerStartException e) {
      abandon();
      throw e;
    }
    pollThread.start();
    LOG.info("worker {} serving {}", config.workerId(), config.workTopics());
    return this;
  }

  private void announce(Optional<ModelCard> card) throws WorkerStartException {
    if (card.isEmpty()) {
      return;
    }
    Duration timeout = config.eventTimeout();
    // delivery.timeout.ms must cover linger.ms + request.timeout.ms.
    try (KafkaProducer<String, byte[]> producer =
        Producers.create(
            Producers.idempotent(
                config.bootstrapServers(),
                config.workerId() + "-models",
                timeout,
                Duration.ofMillis(Math.min(timeout.toMillis() / 2, 30_000))))) {
      ModelCard c = card.get();
      producer
          .send(new ProducerRecord<>(Topics.MODELS, c.getInfo().getName(), c.toByteArray()))
          .get(config.eventTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WorkerStartException("interrupted while announcing the model", e);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      throw new WorkerStartException(
          "cannot announce the model on "
              + Topics.MODELS
              + " at "
              + config.bootstrapServers()
              + ": "
              + e,
          e);
    }
  }

  /** Undoes a start that failed half-way; the server is then terminated. */
  private void abandon() {
    synchronized (lock) {
      shutdown = true;
      pollStartFailed = true;
    }
    control.stop();
    try {
      controlThread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    releaseUnstarted();
  }

  private void releaseUnstarted() {
    if (terminated.getCount() == 0) {
      return;
    }
    jobThread.shutdownNow();
    events.close();
    chunkSink.close();
    terminated.countDown();
  }

  private void runLoop() {
    try {
      loop.run();
    } finally {
      control.stop();
      jobThread.shutdown();
      try {
        controlThread.join(TimeUnit.SECONDS.toMillis(10));
        if (!jobThread.awaitTermination(config.drainTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
          cancels.cancelAllRunning();
          jobThread.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      events.close();
      chunkSink.close();
      terminated.countDown();
    }
  }

  /**
   * Stops taking jobs; the running job may finish (its event and offset are recorded) within the
   * drain timeout, after which it is cancelled. Returns at once.
   */
  public WorkerServer shutdown() {
    synchronized (lock) {
      if (shutdown) {
        return this;
      }
      shutdown = true;
      if (!started || pollStartFailed) {
        releaseUnstarted();
        return this;
      }
    }
    loop.drain();
    Thread drainGuard =
        new Thread(
            () -> {
              try {
                if (!terminated.await(config.drainTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                  cancels.cancelAllRunning();
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            config.workerId() + "-drain");
    drainGuard.setDaemon(true);
    drainGuard.start();
    return this;
  }

  /**
   * Cancels the running job (it stops at its next sampling step and is recorded as CANCELLED) and
   * stops taking jobs. Returns at once.
   */
  public WorkerServer shutdownNow() {
    shutdown();
    cancels.cancelAllRunning();
    return this;
  }

  /** The work topics this worker serves. */
  public List<String> topics() {
    return config.workTopics();
  }

  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return terminated.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public boolean isTerminated() {
    return terminated.getCount() == 0;
  }

  /** {@link #shutdown()} and wait for the drain timeout plus a margin. */
  @Override
  public void close() {
    shutdown();
    try {
      if (!awaitTermination(config.drainTimeout().plusSeconds(15))) {
        LOG.warn("worker {} did not stop in time", config.workerId());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package dev.lumina.scheduler;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.lumina.proto.LogThrottle;
import dev.lumina.proto.Modalities;
import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.ControlMessage;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.cluster.v1.JobEvent;
import dev.lumina.proto.cluster.v1.QueueDepth;
import dev.lumina.proto.kafka.ClusterTopics;
import dev.lumina.proto.kafka.DeadLetters;
import dev.lumina.proto.kafka.Followers;
import dev.lumina.proto.kafka.Producers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running scheduler: reads {@code lumina.requests}, {@code lumina.control} and {@code
 * lumina.events}; decides with a {@link PlacementQueue}; writes placements to {@code
 * lumina.work.<modality>.<tier>}, job events to {@code lumina.events} and queue depth to {@code
 * lumina.queue-depth}, each batch in one Kafka transaction together with the consumed request
 * offsets (offsets never pass a job still held here). A request record that holds no job goes to
 * {@code lumina.dead-letter} in the same transaction that moves the offset past it.
 *
 * <p>On start it replays {@code lumina.events} and {@code lumina.control} so a restarted scheduler
 * never places a job twice. Any Kafka failure inside a transaction stops the scheduler (its state
 * would no longer match Kafka); restart it. The request consumer, the producer and the placement
 * state live on one named thread ({@code lumina-scheduler}); after the replay the consumer of
 * events and cancels moves to a second ({@code lumina-scheduler-follower}), which hands records
 * over a queue and wakes the first. {@link #close} stops and joins both. Thread-safe.
 */
public final class SchedulerServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SchedulerServer.class);

  /**
   * Longest wait for new requests in one step. Events (a RUNNING event frees a release slot) and
   * cancels end the wait at once (the follower thread wakes the request consumer); this only bounds
   * how late expiries and queue depths are noticed.
   */
  private static final Duration REQUEST_POLL = Duration.ofMillis(50);

  /**
   * Longest time between commits of consumed request offsets. Each commit costs the transaction two
   * more round trips (AddOffsetsToTxn, TxnOffsetCommit), so they are not sent with every placement.
   */
  static final Duration OFFSETS_INTERVAL = Duration.ofMillis(500);

  /** When request offsets last went into a transaction ({@link System#nanoTime}). */
  private long offsetsAtNanos = System.nanoTime() - OFFSETS_INTERVAL.toNanos();

  /** Longest single poll of the follower thread; also how quickly it notices close. */
  private static final Duration FOLLOW_POLL = Duration.ofMillis(200);

  /** Partitions of lumina.requests (read once, before the first step). */
  private int requestPartitions;

  private final SchedulerConfig config;
  private final Clock clock;
  private final PlacementQueue queue;
  private final KafkaConsumer<String, byte[]> requests;
  private final KafkaConsumer<String, byte[]> followed;
  private final KafkaProducer<String, byte[]> producer;
  private final Thread thread;
  private final Thread follower;

  /** Records of lumina.events and lumina.control the follower thread has read, in order. */
  private final BlockingQueue<ConsumerRecord<String, byte[]>> followedRecords =
      new LinkedBlockingQueue<>();

  private final CountDownLatch ready = new CountDownLatch(1);
  private final Set<String> depthTopics = new HashSet<>();
  private final Map<String, Long> committed = new HashMap<>();
  private final LogThrottle malformedLog = new LogThrottle(Duration.ofSeconds(10));

  /** Cancels found while replaying whose CANCELLED event was never written. */
  private final List<PlacementQueue.Dropped> replayDrops = new ArrayList<>();

  private volatile boolean running = true;
  private volatile Throwable failure;
  private long nextDepthAt;

  private final SchedulerMetrics metrics;
  private final List<KafkaClientMetrics> clientMetrics = new ArrayList<>();

  private SchedulerServer(SchedulerConfig config, Clock clock, MeterRegistry registry) {
    this.config = config;
    this.clock = clock;
    this.metrics = new SchedulerMetrics(registry);
    // Every work topic reports a depth from the start (zero until jobs wait), so autoscalers see 0,
    // not nothing.
    for (String t :
        Topics.work(Modalities.ALL, config.tiers().tiers().stream().map(t -> t.name()).toList())) {
      metrics.depth(QueueDepth.newBuilder().setTopic(t).build());
    }
    this.queue =
        new PlacementQueue(
            config.tiers(),
            config.releaseWindow(),
            config.expiryGrace().toMillis(),
            config.secondsPerTokenEval());
    Properties c = consumerProps();
    c.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    // Static membership under the instance's own id: a restarted scheduler takes its partitions
    // back at once instead of waiting for the dead member's session to expire, and a second
    // process with the same id is fenced (as its transactional producer is).
    c.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.transactionalId());
    c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
    // A scheduler learns of a rebalance from a heartbeat response, and no request is placed until
    // every member has rejoined: at the default (a third of the session) a second scheduler joining
    // paused placement for about 3 s.
    c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1_000);
    this.requests = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
    this.followed =
        new KafkaConsumer<>(
            Followers.fetchSettings(consumerProps()),
            new StringDeserializer(),
            new ByteArrayDeserializer());
    this.producer =
        Producers.create(
            Producers.transactional(config.kafkaBootstrap(), config.transactionalId()));
    for (AutoCloseable client : List.of(requests, producer)) {
      KafkaClientMetrics m =
          client instanceof KafkaConsumer<?, ?> consumer
              ? new KafkaClientMetrics(consumer)
              : new KafkaClientMetrics((KafkaProducer<?, ?>) client);
      m.bindTo(registry);
      clientMetrics.add(m);
    }
    this.thread = new Thread(this::run, "lumina-scheduler");
    this.thread.setDaemon(true);
    this.follower = new Thread(this::follow, "lumina-scheduler-follower");
    this.follower.setDaemon(true);
  }

  /**
   * Starts a scheduler and waits until it has replayed the existing events and cancels.
   *
   * @throws IllegalStateException if Kafka cannot be reached, or the replay does not finish in 60 s
   */
  public static SchedulerServer start(SchedulerConfig config) {
    return start(config, new CompositeMeterRegistry());
  }

  /** {@link #start(SchedulerConfig)} with its meters in {@code registry}. */
  public static SchedulerServer start(SchedulerConfig config, MeterRegistry registry) {
    return start(config, Clock.systemUTC(), registry);
  }

  static SchedulerServer start(SchedulerConfig config, Clock clock) {
    return start(config, clock, new CompositeMeterRegistry());
  }

  static SchedulerServer start(SchedulerConfig config, Clock clock, MeterRegistry registry) {
    ClusterTopics.ensure(
        config.kafkaBootstrap(),
        ClusterTopics.scheduler(config.tiers(), config.topicPartitions(), config.replication()));
    SchedulerServer s = new SchedulerServer(config, clock, registry);
    s.producer.initTransactions();
    s.thread.start();
    try {
      if (!s.ready.await(60, TimeUnit.SECONDS) || s.failure != null) {
        s.close();
        throw new IllegalStateException("scheduler did not start: " + s.failure, s.failure);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      s.close();
      throw new IllegalStateException("interrupted while starting the scheduler", e);
    }
    return s;
  }

  /** True while the scheduling thread runs. */
  public boolean isRunning() {
    return thread.isAlive() && failure == null;
  }

  private Properties consumerProps() {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap());
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return c;
  }

  private void run() {
    try {
      List<TopicPartition> parts = new ArrayList<>();
      for (String topic : List.of(Topics.EVENTS, Topics.CONTROL)) {
        followed
            .partitionsFor(topic, Duration.ofSeconds(30))
            .forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
      }
      followed.assign(parts);
      followed.seekToBeginning(parts);
      Map<TopicPartition, Long> end = followed.endOffsets(parts);
      while (running
          && !end.entrySet().stream()
              .allMatch(e -> followed.position(e.getKey()) >= e.getValue())) {
        for (ConsumerRecord<String, byte[]> r : followed.poll(Duration.ofMillis(100))) {
          replayDrops.addAll(applyFollowed(r));
        }
      }
      requests.subscribe(
          List.of(Topics.REQUESTS),
          new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
              revoked.forEach(
                  tp -> {
                    queue.dropPartition(tp.topic(), tp.partition());
                    committed.remove(tp.topic() + "/" + tp.partition());
                  });
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> assigned) {}
          });
      // Read here, before the follower may wake the request consumer: a wakeup is only caught
      // around polls.
      requestPartitions = requests.partitionsFor(Topics.REQUESTS, Duration.ofSeconds(30)).size();
      // From here on the follower thread owns the followed consumer.
      follower.start();
      ready.countDown();
      while (running) {
        try {
          step();
        } catch (WakeupException e) {
          // The follower handed over records (or close() asked us to stop): look again.
        }
      }
    } catch (WakeupException e) {
      // close() asked us to stop during the replay.
    } catch (RuntimeException e) {
      failure = e;
      log.error("scheduler stopped", e);
    } finally {
      running = false;
      ready.countDown();
      // A clean stop hands the partitions over at once (a static member would otherwise keep them
      // until its session expires).
      requests.close(
          CloseOptions.timeout(Duration.ofSeconds(2))
              .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
      if (follower.isAlive()) {
        followed.wakeup();
        joinQuietly(follower);
      } else {
        followed.close(CloseOptions.timeout(Duration.ofSeconds(2)));
      }
      producer.close(Duration.ofSeconds(2));
    }
  }

  /**
   * The follower thread: reads lumina.events and lumina.control as they arrive and hands each batch
   * to the scheduling thread, waking it, so a RUNNING event frees its release slot (and a cancel
   * drops its job) within one transaction's time instead of after the scheduler's next poll.
   */
  private void follow() {
    try {
      while (running) {
        ConsumerRecords<String, byte[]> batch = followed.poll(FOLLOW_POLL);
        if (!batch.isEmpty()) {
          batch.forEach(followedRecords::add);
          requests.wakeup();
        }
      }
    } catch (WakeupException e) {
      // close() asked us to stop.
    } catch (RuntimeException e) {
      failure = e;
      log.error("scheduler stopped: cannot follow {} and {}", Topics.EVENTS, Topics.CONTROL, e);
      running = false;
      requests.wakeup();
    } finally {
      followed.close(CloseOptions.timeout(Duration.ofSeconds(2)));
    }
  }

  private static void joinQuietly(Thread t) {
    try {
      t.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void step() {
    List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
    boolean deadLettered = false;
    replayDrops.forEach(d -> out.add(dropped(d)));
    replayDrops.clear();
    for (ConsumerRecord<String, byte[]> r; (r = followedRecords.poll()) != null; ) {
      applyFollowed(r).forEach(d -> out.add(dropped(d)));
    }
    // Returns at once when the follower has handed over records since the drain above.
    ConsumerRecords<String, byte[]> polled;
    try {
      polled = requests.poll(followedRecords.isEmpty() ? REQUEST_POLL : Duration.ZERO);
    } catch (WakeupException e) {
      if (!running) {
        throw e;
      }
      polled = ConsumerRecords.empty();
    }
    for (ConsumerRecord<String, byte[]> r : polled) {
      PlacementQueue.Source source =
          new PlacementQueue.Source(r.topic(), r.partition(), r.offset());
      JobEnvelope env;
      try {
        env = SchedulerRecords.envelope(r);
      } catch (SchedulerRecords.MalformedRecord e) {
        // The dead letter and the offset past it commit in the same transaction.
        out.add(DeadLetters.of(r, e.getMessage()));
        deadLettered = true;
        queue.skip(source);
        warnMalformed(r, e.getMessage(), true);
        continue;
      }
      queue.offer(env, source).ifPresent(d -> out.add(dropped(d)));
    }
    long now = clock.millis();
    reconcile(now, out);
    queue
        .expire(now)
        .forEach(
            d -> {
              metrics.dropped(d.state());
              out.add(dropped(d));
            });
    for (PlacementQueue.Placement p : queue.release(now)) {
      metrics.placed(p.workTopic());
      out.add(
          new ProducerRecord<>(p.workTopic(), p.envelope().getJobId(), p.envelope().toByteArray()));
      out.add(SchedulerRecords.placedEvent(p, now));
    }
    if (now >= nextDepthAt) {
      nextDepthAt = now + config.depthInterval().toMillis();
      Map<String, QueueDepth> depth = new HashMap<>();
      queue.depth(now).forEach(d -> depth.put(d.getTopic(), d));
      depthTopics.addAll(depth.keySet());
      for (String t : depthTopics) {
        QueueDepth d =
            depth.getOrDefault(t, QueueDepth.newBuilder().setTopic(t).setAtMs(now).build());
        metrics.depth(d);
        out.add(new ProducerRecord<>(Topics.QUEUE_DEPTH, t, d.toByteArray()));
      }
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    // Request offsets ride along at most every OFFSETS_INTERVAL (and with every dead letter, so a
    // restart does not dead-letter a record twice): a restarted scheduler re-reads the requests
    // since, and the replayed events tell it which of them it already placed.
    long nanos = System.nanoTime();
    boolean offsetsDue = deadLettered || nanos - offsetsAtNanos >= OFFSETS_INTERVAL.toNanos();
    for (Map.Entry<String, Long> e :
        offsetsDue ? queue.commitOffsets().entrySet() : Set.<Map.Entry<String, Long>>of()) {
      if (!e.getValue().equals(committed.get(e.getKey()))) {
        int slash = e.getKey().lastIndexOf('/');
        offsets.put(
            new TopicPartition(
                e.getKey().substring(0, slash), Integer.parseInt(e.getKey().substring(slash + 1))),
            new OffsetAndMetadata(e.getValue()));
      }
    }
    if (out.isEmpty() && offsets.isEmpty()) {
      return;
    }
    Timer.Sample tx = Timer.start();
    producer.beginTransaction();
    out.forEach(producer::send);
    if (!offsets.isEmpty()) {
      producer.sendOffsetsToTransaction(offsets, requests.groupMetadata());
    }
    producer.commitTransaction();
    if (offsetsDue) {
      offsetsAtNanos = nanos;
    }
    tx.stop(metrics.transaction());
    offsets.forEach((tp, o) -> committed.put(tp.topic() + "/" + tp.partition(), o.offset()));
  }

  /** Places jobs whose accept left a QUEUED event but no request (see PlacementQueue#reconcile). */
  private void reconcile(long now, List<ProducerRecord<String, byte[]>> out) {
    if (queue.awaitingRequests() == 0) {
      return;
    }
    Set<TopicPartition> mine = requests.assignment();
    List<PlacementQueue.Dropped> drops = new ArrayList<>();
    for (JobEnvelope env :
        queue.reconcile(
            now,
            config.reconcileAfter().toMillis(),
            id ->
                Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8)))
                    % requestPartitions,
            p -> mine.contains(new TopicPartition(Topics.REQUESTS, p)),
            drops)) {
      metrics.repaired();
      log.warn(
          "job {}: QUEUED for {} ms with no request on {}; placing it from its QUEUED event",
          env.getJobId(),
          config.reconcileAfter().toMillis(),
          Topics.REQUESTS);
    }
    drops.forEach(d -> out.add(dropped(d)));
  }

  private List<PlacementQueue.Dropped> applyFollowed(ConsumerRecord<String, byte[]> r) {
    if (r.value() == null) {
      return List.of();
    }
    try {
      if (r.topic().equals(Topics.EVENTS)) {
        JobEvent e = JobEvent.parseFrom(r.value());
        if (e.getJobId().isEmpty()) {
          warnMalformed(r, "a lumina.cluster.v1.JobEvent without job_id", false);
        } else {
          queue.onEvent(e, clock.millis());
        }
      } else {
        ControlMessage m = ControlMessage.parseFrom(r.value());
        if (m.hasCancel()) {
          return queue.cancel(m.getJobId()).stream().toList();
        }
      }
    } catch (InvalidProtocolBufferException e) {
      warnMalformed(r, "not a valid protobuf message (" + e.getMessage() + ")", false);
    }
    return List.of();
  }

  /**
   * One WARN per topic per 10 s at most. Followed topics are replayed by every scheduler on start,
   * so their malformed records are only skipped: a dead letter per replay would repeat them.
   */
  private void warnMalformed(ConsumerRecord<String, byte[]> r, String reason, boolean deadLetter) {
    long suppressed = malformedLog.admit(r.topic());
    if (suppressed >= 0) {
      log.warn(
          "malformed record {}-{}@{} {}: {} ({} more malformed records on {} not logged)",
          r.topic(),
          r.partition(),
          r.offset(),
          deadLetter ? "sent to " + Topics.DEAD_LETTER : "skipped",
          reason,
          suppressed,
          r.topic());
    }
  }

  private ProducerRecord<String, byte[]> dropped(PlacementQueue.Dropped d) {
    return SchedulerRecords.droppedEvent(d, clock.millis());
  }

  @Override
  public void close() {
    clientMetrics.forEach(KafkaClientMetrics::close);
    running = false;
    requests.wakeup();
    followed.wakeup();
    joinQuietly(thread);
    joinQuietly(follower);
  }
}

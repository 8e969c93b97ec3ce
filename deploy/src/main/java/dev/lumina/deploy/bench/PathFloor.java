package dev.lumina.deploy.bench;

import dev.lumina.proto.kafka.ClusterTopics;
import dev.lumina.proto.kafka.Producers;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The floor of the serving path on this machine, measured on the same broker and in the same
 * process as the cluster: a bare {@code acks=all} produce → consume round trip (the accept's hop),
 * the same inside a transaction read with {@code read_committed} (the scheduler's hop to the
 * worker), and a bare gRPC unary round trip on loopback (the chunk push and the client's call). The
 * path's floor is one of each: no serving path can be faster than that on this broker and machine.
 *
 * @param kafka bare produce → consume round trip
 * @param transactional the same, in a committed transaction, read committed
 * @param grpc one unary call on loopback
 */
public record PathFloor(LatencyStats kafka, LatencyStats transactional, LatencyStats grpc) {

  /** The floor's p50: one bare Kafka hop, one transactional hop and one gRPC round trip. */
  public double p50Ms() {
    return kafka.p50Ms() + transactional.p50Ms() + grpc.p50Ms();
  }

  /** The floor's p99, summed the same way. */
  public double p99Ms() {
    return kafka.p99Ms() + transactional.p99Ms() + grpc.p99Ms();
  }

  /**
   * Measures {@code rounds} round trips of each kind (after a few untimed ones) on the broker at
   * {@code bootstrap}, on a topic of its own.
   */
  public static PathFloor measure(String bootstrap, int rounds) throws InterruptedException {
    String topic = "lumina.bench.floor";
    ClusterTopics.ensure(bootstrap, List.of(new NewTopic(topic, 1, (short) 1)));
    LatencyStats bare;
    try (KafkaProducer<String, byte[]> p =
        Producers.create(
            Producers.idempotent(
                bootstrap, "lumina-bench-floor", Duration.ofSeconds(10), Duration.ofSeconds(10)))) {
      bare = roundTrips(bootstrap, topic, rounds, false, p);
    }
    Properties tx = Producers.transactional(bootstrap, "lumina-bench-floor-" + UUID.randomUUID());
    LatencyStats transactional;
    try (KafkaProducer<String, byte[]> p = Producers.create(tx)) {
      p.initTransactions();
      transactional = roundTrips(bootstrap, topic, rounds, true, p);
    }
    return new PathFloor(bare, transactional, grpcRoundTrips(rounds));
  }

  private static LatencyStats roundTrips(
      String bootstrap,
      String topic,
      int rounds,
      boolean inTransaction,
      KafkaProducer<String, byte[]> producer)
      throws InterruptedException {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(
        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        inTransaction ? "read_committed" : "read_uncommitted");
    c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "500");
    TopicPartition tp = new TopicPartition(topic, 0);
    int warm = Math.min(20, rounds);
    double[] ms = new double[rounds];
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(List.of(tp));
      consumer.seekToEnd(List.of(tp));
      consumer.position(tp);
      for (int i = -warm; i < rounds; i++) {
        String key = UUID.randomUUID().toString();
        long t0 = System.nanoTime();
        try {
          if (inTransaction) {
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, key, new byte[64]));
            producer.commitTransaction();
          } else {
            producer.send(new ProducerRecord<>(topic, key, new byte[64])).get(10, TimeUnit.SECONDS);
          }
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
          throw new IllegalStateException("floor: cannot produce to " + topic + ": " + e, e);
        }
        boolean seen = false;
        long deadline = t0 + TimeUnit.SECONDS.toNanos(10);
        while (!seen && System.nanoTime() < deadline) {
          for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
            seen |= key.equals(r.key());
          }
        }
        if (!seen) {
          throw new IllegalStateException("floor: a record did not come back within 10 s");
        }
        if (i >= 0) {
          ms[i] = (System.nanoTime() - t0) / 1e6;
        }
      }
    }
    return LatencyStats.of(ms);
  }

  private static LatencyStats grpcRoundTrips(int rounds) throws InterruptedException {
    Server server;
    try {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .addService(new HealthStatusManager().getHealthService())
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("floor: cannot start a gRPC server on loopback", e);
    }
    ManagedChannel ch =
        NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    try {
      HealthGrpc.HealthBlockingStub stub = HealthGrpc.newBlockingStub(ch);
      double[] ms = new double[rounds];
      for (int i = -Math.min(50, rounds); i < rounds; i++) {
        long t0 = System.nanoTime();
        stub.check(HealthCheckRequest.getDefaultInstance());
        if (i >= 0) {
          ms[i] = (System.nanoTime() - t0) / 1e6;
        }
      }
      return LatencyStats.of(ms);
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}

package dev.lumina.proto.kafka;

import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Kafka producers of the cluster's roles: {@code acks=all}, idempotent, {@code linger.ms=0},
 * keys as strings (job id or model name) and values as serialized protobuf messages. Callers add
 * their own extras to the properties before {@link #create}. Stateless.
 */
public final class Producers {
  private Producers() {}

  /** {@code retry.backoff.ms} of transactional producers. */
  static final int TRANSACTION_RETRY_BACKOFF_MS = 2;

  /**
   * {@code retry.backoff.max.ms} of transactional producers: Kafka doubles the backoff on each
   * retry of a request up to this (default 1 s), so a run of refusals while markers are written
   * would otherwise hold placements for up to a second.
   */
  static final int TRANSACTION_RETRY_BACKOFF_MAX_MS = 20;

  /**
   * An idempotent producer's properties: bootstrap servers, client id, {@code acks=all}, {@code
   * enable.idempotence=true}, {@code linger.ms=0}, and {@code delivery.timeout.ms} and {@code
   * max.block.ms} of {@code timeout}, {@code request.timeout.ms} of {@code requestTimeout} (which,
   * with linger 0, must not exceed {@code timeout}).
   */
  public static Properties idempotent(
      String bootstrap, String clientId, Duration timeout, Duration requestTimeout) {
    Properties p = common(bootstrap);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) requestTimeout.toMillis());
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
    return p;
  }

  /**
   * A transactional producer's properties: bootstrap servers, {@code transactional.id}, {@code
   * acks=all}, {@code enable.idempotence=true}, {@code linger.ms=0}, {@code retry.backoff.ms} of
   * {@value #TRANSACTION_RETRY_BACKOFF_MS} (back-to-back transactions) growing to at most {@value
   * #TRANSACTION_RETRY_BACKOFF_MAX_MS}; Kafka's default timeouts.
   */
  public static Properties transactional(String bootstrap, String transactionalId) {
    Properties p = common(bootstrap);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    // A transaction begun while the previous one's commit markers are still being written is
    // refused as CONCURRENT_TRANSACTIONS and retried after this backoff: Kafka's default (100 ms)
    // would stall every back-to-back transaction that long.
    p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, TRANSACTION_RETRY_BACKOFF_MS);
    p.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, TRANSACTION_RETRY_BACKOFF_MAX_MS);
    return p;
  }

  /** A producer of string keys and byte-array values with {@code properties}. */
  public static KafkaProducer<String, byte[]> create(Properties properties) {
    return new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer());
  }

  private static Properties common(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    return p;
  }
}

package dev.lumina.proto.kafka;

import dev.lumina.proto.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Records for {@code lumina.dead-letter}: the unusable record's key and value as they were, with
 * headers naming where it came from and why it was set aside ({@value #ERROR}, {@value
 * #SOURCE_TOPIC}, {@value #SOURCE_PARTITION}, {@value #SOURCE_OFFSET}). Stateless.
 */
public final class DeadLetters {
  /** Header: why the record could not be used. */
  public static final String ERROR = "lumina.error";

  /** Header: the topic the record was read from. */
  public static final String SOURCE_TOPIC = "lumina.source.topic";

  /** Header: the partition the record was read from. */
  public static final String SOURCE_PARTITION = "lumina.source.partition";

  /** Header: the record's offset in its partition. */
  public static final String SOURCE_OFFSET = "lumina.source.offset";

  private DeadLetters() {}

  /** The dead letter of {@code r}, set aside because of {@code reason}. */
  public static ProducerRecord<String, byte[]> of(ConsumerRecord<String, byte[]> r, String reason) {
    return of(r.key(), r.value(), r.topic(), r.partition(), r.offset(), reason);
  }

  /** The dead letter of a record read at {@code topic}-{@code partition}@{@code offset}. */
  public static ProducerRecord<String, byte[]> of(
      String key, byte[] value, String topic, int partition, long offset, String reason) {
    ProducerRecord<String, byte[]> d =
        new ProducerRecord<>(Topics.DEAD_LETTER, key, value == null ? new byte[0] : value);
    d.headers().add(ERROR, utf8(reason));
    d.headers().add(SOURCE_TOPIC, utf8(topic));
    d.headers().add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
    d.headers().add(SOURCE_OFFSET, utf8(Long.toString(offset)));
    return d;
  }

  /** The value of header {@code name} of a dead letter, or null when it has none. */
  public static String header(ConsumerRecord<?, ?> deadLetter, String name) {
    Header h = deadLetter.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}

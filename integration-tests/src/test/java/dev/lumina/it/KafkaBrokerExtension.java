package dev.lumina.it;

import dev.lumina.deploy.kafka.EmbeddedKafka;
import dev.lumina.deploy.kafka.EmbeddedKafkaConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a real in-process Kafka broker ({@link EmbeddedKafka}) on free loopback ports once per test
 * class.
 *
 * <pre>{@code
 * @RegisterExtension static final KafkaBrokerExtension kafka = new KafkaBrokerExtension();
 * ... kafka.bootstrapServers() ...
 * }</pre>
 *
 * <p>The broker starts before the first test of the class and stops (its temporary data directory
 * deleted) after the last. Must be registered on a {@code static} field. Accessors are thread-safe
 * once started.
 */
public final class KafkaBrokerExtension implements BeforeAllCallback, AfterAllCallback {

  private volatile EmbeddedKafka broker;
  private volatile Path dataDir;

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    dataDir = Files.createTempDirectory("lumina-it-kafka-");
    EmbeddedKafka started = new EmbeddedKafka(EmbeddedKafkaConfig.ephemeral(dataDir));
    started.start();
    broker = started;
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    try {
      if (broker != null) {
        broker.close();
      }
    } finally {
      broker = null;
      if (dataDir != null) {
        deleteRecursively(dataDir);
      }
    }
  }

  /** {@code host:port} for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return requireBroker().bootstrapServers();
  }

  /** The running broker, e.g. to stop it mid-test and check a role's reaction. */
  public EmbeddedKafka broker() {
    return requireBroker();
  }

  private EmbeddedKafka requireBroker() {
    EmbeddedKafka b = broker;
    if (b == null) {
      throw new IllegalStateException(
          "Kafka broker not running: register KafkaBrokerExtension on a static field with"
              + " @RegisterExtension");
    }
    return b;
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null) {
              throw new UncheckedIOException(e);
            }
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}

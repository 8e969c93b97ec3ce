package dev.lumina.deploy.metrics;

import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * A readiness check that the broker answers: a cluster description within 2 s, at most one probe
 * per second (the answer is reused in between). Thread-safe; {@link #close} releases the admin
 * client.
 */
public final class KafkaReadiness implements BooleanSupplier, AutoCloseable {
  private static final long REUSE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Admin admin;
  private long checkedAt;
  private boolean last;
  private boolean checked;

  public KafkaReadiness(String bootstrapServers) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000);
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, "lumina-readiness");
    this.admin = Admin.create(p);
  }

  @Override
  public synchronized boolean getAsBoolean() {
    long now = System.nanoTime();
    if (checked && now - checkedAt < REUSE_NANOS) {
      return last;
    }
    try {
      last =
          !admin
              .describeCluster(new DescribeClusterOptions().timeoutMs(2000))
              .nodes()
              .get(2, TimeUnit.SECONDS)
              .isEmpty();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      last = false;
    }
    checked = true;
    checkedAt = now;
    return last;
  }

  @Override
  public void close() {
    admin.close();
  }
}

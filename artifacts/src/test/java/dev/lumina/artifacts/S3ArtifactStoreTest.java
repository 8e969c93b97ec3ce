package dev.lumina.artifacts;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract on a real S3-compatible server: s3proxy in this JVM, in-memory backend. */
class S3ArtifactStoreTest extends ArtifactStoreContract {
  private static BlobStoreContext blobs;
  private static S3Proxy proxy;
  private static final AtomicInteger buckets = new AtomicInteger();

  @BeforeAll
  static void startServer() throws Exception {
    blobs =
        ContextBuilder.newBuilder("transient")
            .credentials("identity", "credential")
            .build(BlobStoreContext.class);
    proxy =
        S3Proxy.builder()
            .blobStore(blobs.getBlobStore())
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "test-access", "test-secret")
            .build();
    proxy.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> "STARTED".equals(proxy.getState()));
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (proxy != null) {
      proxy.stop();
    }
    if (blobs != null) {
      blobs.close();
    }
  }

  @Override
  ArtifactStore store() {
    String bucket = "lumina-" + buckets.incrementAndGet();
    blobs.getBlobStore().createContainerInLocation(null, bucket);
    return new S3ArtifactStore(
        new S3ArtifactStore.Location(
            bucket,
            "cluster-a/artifacts",
            Optional.of(URI.create("http://127.0.0.1:" + proxy.getPort())),
            "us-east-1",
            Optional.of("test-access"),
            Optional.of("test-secret")));
  }

  @Override
  URI foreignUri() {
    return URI.create("s3://another-bucket/cluster-a/artifacts/j-1/image-000.png");
  }
}

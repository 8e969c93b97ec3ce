package dev.lumina.it.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lumina.artifacts.FileSystemArtifactStore;
import dev.lumina.deploy.grpc.GrpcServerFactory;
import dev.lumina.deploy.grpc.LuminaGrpcServer;
import dev.lumina.deploy.tls.ClientTls;
import dev.lumina.deploy.tls.ServerTls;
import dev.lumina.it.KafkaBrokerExtension;
import dev.lumina.it.tls.TestCertificates;
import dev.lumina.proto.Topics;
import dev.lumina.proto.cluster.v1.JobEnvelope;
import dev.lumina.proto.v1.GenerateRequest;
import dev.lumina.proto.v1.GenerationChunk;
import dev.lumina.proto.v1.Modality;
import dev.lumina.worker.WorkerConfig;
import dev.lumina.worker.WorkerServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker started as {@code lumina worker --chunk-sink-tls-ca --chunk-sink-tls-cert
 * --chunk-sink-tls-key} would be delivers a job's chunks to a ChunkSink port that requires mutual
 * TLS ({@code --chunk-sink-tls-client-ca}), dialling the name the gateway's certificate holds.
 */
class WorkerChunkSinkTlsTest {
  @RegisterExtension static final KafkaBrokerExtension kafka = new KafkaBrokerExtension();
  private static final String WORK = Topics.work(Modality.IMAGE, "s");

  @TempDir Path tmp;

  @Test
  void aWorkerWithAClientCertificateDeliversEveryChunkToAMutualTlsChunkSink() throws Exception {
    TestCertificates certs = new TestCertificates(tmp);
    TestCertificates.Ca gatewayCa = certs.ca("gateway");
    TestCertificates.Ca workersCa = certs.ca("workers");
    TestCertificates.Leaf sinkCert =
        certs.leaf(gatewayCa, "gateway", "dns:localhost", "serverAuth");
    TestCertificates.Leaf workerCert =
        certs.leaf(workersCa, "worker", "dns:worker.test", "clientAuth");
    ServerTls sinkTls =
        ServerTls.load(
            "--chunk-sink-tls", sinkCert.chain(), sinkCert.key(), Optional.of(workersCa.cert()));
    ClientTls workerTls =
        ClientTls.load(
            "--chunk-sink-tls",
            Optional.of(gatewayCa.cert()),
            Optional.of(workerCert.chain()),
            Optional.of(workerCert.key()));
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(WORK, 1, (short) 1),
                  new NewTopic(Topics.EVENTS, 1, (short) 1),
                  new NewTopic(Topics.CONTROL, 1, (short) 1),
                  new NewTopic(Topics.DEAD_LETTER, 1, (short) 1),
                  new NewTopic(Topics.MODELS, 1, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    RecordingChunkSink sink = new RecordingChunkSink();
    LuminaGrpcServer gateway =
        GrpcServerFactory.start(
            new InetSocketAddress("127.0.0.1", 0),
            sinkTls.credentials(),
            List.of(sink),
            List.of(),
            GrpcServerFactory.DEFAULT_MAX_INBOUND_MESSAGE_BYTES);
    WorkerConfig config =
        WorkerConfig.builder(kafka.bootstrapServers(), List.of(WORK), "it-tls-worker")
            .pollTimeout(Duration.ofMillis(100))
            .chunkSinkCredentials(workerTls.credentials())
            .build();
    ScriptedJobExecutor executor =
        new ScriptedJobExecutor(new FileSystemArtifactStore(tmp.resolve("artifacts")), 3);
    WorkerServer worker = new WorkerServer(config, executor).start();
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      JobEnvelope env =
          JobEnvelope.newBuilder()
              .setJobId("job-tls")
              .setTenant("t1")
              .setRequest(
                  GenerateRequest.newBuilder()
                      .setPrompt("a red square")
                      .setModality(Modality.IMAGE)
                      .setModel("scripted"))
              .setTokenBudget(16)
              .setTier("s")
              .setAcceptedAtMs(System.currentTimeMillis())
              .setGateway("localhost:" + gateway.port())
              .setSeed(42)
              .build();
      producer.send(new ProducerRecord<>(WORK, "job-tls", env.toByteArray())).get();

      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> assertThat(sink.chunks("job-tls")).anyMatch(GenerationChunk::hasCompleted));
      assertThat(sink.chunks("job-tls")).anyMatch(GenerationChunk::hasFrame);
    } finally {
      worker.shutdownNow();
      worker.awaitTermination(Duration.ofSeconds(30));
      gateway.close(Duration.ofSeconds(5));
    }
  }
}

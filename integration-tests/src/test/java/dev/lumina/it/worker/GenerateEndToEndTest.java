package dev.lumina.it.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lumina.artifacts.FileSystemArtifactStore;
import dev.lumina.deploy.cli.Lumina;
import dev.lumina.deploy.grpc.GrpcServerFactory;
import dev.lumina.gateway.GatewayConfig;
import dev.lumina.gateway.GatewayServer;
import dev.lumina.it.KafkaBrokerExtension;
import dev.lumina.proto.Topics;
import dev.lumina.proto.v1.Modality;
import dev.lumina.scheduler.SchedulerConfig;
import dev.lumina.scheduler.SchedulerServer;
import dev.lumina.worker.WorkerConfig;
import dev.lumina.worker.WorkerServer;
import dev.lumina.worker.flagdit.FlagDitJobExecutor;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lumina generate} against the whole cluster in one JVM (what {@code lumina serve} wires):
 * real broker, scheduler, gateway, and a worker running a small random-weight Flag-DiT on CPU.
 */
class GenerateEndToEndTest {
  @RegisterExtension static final KafkaBrokerExtension kafka = new KafkaBrokerExtension();

  @TempDir static Path tmp;
  private static FlagDitJobExecutor executor;
  private static SchedulerServer scheduler;
  private static WorkerServer worker;
  private static GatewayServer gateway;

  @BeforeAll
  static void startCluster() throws Exception {
    String bootstrap = kafka.bootstrapServers();
    executor =
        FlagDitJobExecutor.load(
            TinyModel.write(tmp.resolve("model")),
            new FileSystemArtifactStore(tmp.resolve("artifacts")),
            "it");
    scheduler = SchedulerServer.start(SchedulerConfig.builder(bootstrap).build());
    worker =
        new WorkerServer(
                WorkerConfig.builder(bootstrap, List.of(Topics.work(Modality.IMAGE, "s")), "it-e2e")
                    .build(),
                executor)
            .start();
    gateway = GatewayServer.start(GatewayConfig.local(bootstrap), GrpcServerFactory.gatewayHost());
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {gateway, worker, scheduler, executor}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void generateWritesThePngAndPrintsItsPath() throws Exception {
    Path out = tmp.resolve("out");
    Run run =
        generate(
            "a red square",
            "--out",
            out.toString(),
            "--width",
            "48",
            "--height",
            "32",
            "--steps",
            "4",
            "--seed",
            "7",
            "--preview-every",
            "1",
            "--save-previews");

    assertThat(run.code).as(run.err).isZero();
    List<String> paths = run.out.lines().toList();
    assertThat(paths).hasSizeGreaterThanOrEqualTo(2);
    Path image =
        Path.of(paths.stream().filter(p -> p.contains("-image-")).findFirst().orElseThrow());
    BufferedImage img = ImageIO.read(image.toFile());
    assertThat(img.getWidth()).isEqualTo(48);
    assertThat(img.getHeight()).isEqualTo(32);
    assertThat(paths).anyMatch(p -> p.contains("-preview-"));
    assertThat(run.err).contains("step 3/3").contains("ETA").contains("seed 7");
    // The worker stored the same picture as an artifact.
    try (var files = Files.walk(tmp.resolve("artifacts"))) {
      assertThat(files.filter(p -> p.getFileName().toString().equals("image-000.png")))
          .isNotEmpty();
    }
  }

  @Test
  void refusedRequestPrintsTheStatusCodeAndTheServersMessageAndExitsNonZero() {
    Run run = generate("a red square", "--out", tmp.resolve("refused").toString(), "--width", "33");
    assertThat(run.code).isEqualTo(1);
    assertThat(run.err).contains("INVALID_ARGUMENT").contains("width");
  }

  @Test
  void noServerAtTheAddressSaysSo() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Run run =
        generate(
            "x",
            "--server",
            "127.0.0.1:" + port,
            "--out",
            tmp.resolve("none").toString(),
            "--timeout",
            "20");
    assertThat(run.code).isEqualTo(1);
    assertThat(run.err).contains("no Lumina server at 127.0.0.1:" + port);
  }

  private Run generate(String prompt, String... flags) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> args = new java.util.ArrayList<>(List.of("generate", prompt));
    if (!List.of(flags).contains("--server")) {
      args.addAll(List.of("--server", "127.0.0.1:" + gateway.port()));
    }
    args.addAll(List.of(flags));
    int code =
        Lumina.newCommandLine()
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args.toArray(new String[0]));
    return new Run(code, out.toString(), err.toString());
  }

  private record Run(int code, String out, String err) {}
}

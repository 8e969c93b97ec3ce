package dev.lumina.deploy.cli;

import dev.lumina.deploy.kafka.EmbeddedKafkaConfig;
import dev.lumina.deploy.metrics.KafkaReadiness;
import dev.lumina.deploy.metrics.ManagementServer;
import dev.lumina.proto.Tiers;
import dev.lumina.scheduler.SchedulerConfig;
import dev.lumina.scheduler.SchedulerServer;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lumina scheduler}: places accepted jobs on {@code lumina.work.<modality>.<tier>} in
 * priority order, drops cancelled and expired ones, publishes queue depth. Runs until SIGTERM or
 * Ctrl-C.
 */
@Command(
    name = "scheduler",
    mixinStandardHelpOptions = true,
    description =
        "Run the scheduler: lumina.requests to lumina.work.<modality>.<tier>, transactional.")
final class SchedulerCommand implements Callable<Integer> {

  @Option(
      names = "--kafka",
      paramLabel = "HOST:PORT",
      defaultValue = "${env:LUMINA_KAFKA:-" + EmbeddedKafkaConfig.DEFAULT_BOOTSTRAP + "}",
      description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
  String kafka;

  @Option(
      names = "--tiers",
      paramLabel = "SPEC",
      defaultValue = "${env:LUMINA_TIERS:-" + Tiers.DEFAULT_SPEC + "}",
      description = "Worker tiers name=maxTokens,... smallest first (default: ${DEFAULT-VALUE}).")
  String tiers;

  @Option(
      names = "--release-window",
      paramLabel = "N",
      defaultValue = "${env:LUMINA_RELEASE_WINDOW:-" + SchedulerConfig.DEFAULT_RELEASE_WINDOW + "}",
      description =
          "Unstarted jobs per work topic, raised to the slots the topic's workers announce on"
              + " their RUNNING events; the backlog waits here by priority (default:"
              + " ${DEFAULT-VALUE}).")
  int releaseWindow;

  @Option(
      names = "--reconcile-after-ms",
      paramLabel = "MS",
      defaultValue = "" + 30_000,
      description =
          "A job QUEUED this long with no request on lumina.requests (its accept was cut short) is"
              + " placed from its QUEUED event (default: ${DEFAULT-VALUE}).")
  long reconcileAfterMs;

  @Option(
      names = "--instance",
      paramLabel = "ID",
      defaultValue = "${env:LUMINA_SCHEDULER_INSTANCE:-" + SchedulerConfig.DEFAULT_INSTANCE + "}",
      description = "Unique instance id, part of the transactional id (default: ${DEFAULT-VALUE}).")
  String instance;

  @Mixin MetricsOptions metrics;

  @Override
  public Integer call() throws InterruptedException {
    SchedulerConfig config;
    try {
      config =
          SchedulerConfig.builder(kafka)
              .tiers(Tiers.parse(tiers))
              .releaseWindow(releaseWindow)
              .instance(instance)
              .reconcileAfter(java.time.Duration.ofMillis(reconcileAfterMs))
              .build();
    } catch (IllegalArgumentException e) {
      System.err.println("lumina scheduler: " + e.getMessage());
      return 2;
    }
    SchedulerServer scheduler;
    try {
      scheduler = SchedulerServer.start(config, metrics.registry());
    } catch (RuntimeException e) {
      System.err.println("lumina scheduler: " + e.getMessage());
      return 1;
    }
    Optional<ManagementServer> management;
    try {
      SchedulerServer started = scheduler;
      management =
          metrics
              .start()
              .map(
                  m ->
                      m.readiness("kafka", new KafkaReadiness(kafka))
                          .readiness("scheduler", started::isRunning));
    } catch (RuntimeException e) {
      scheduler.close();
      System.err.println("lumina scheduler: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  management.ifPresent(ManagementServer::close);
                  scheduler.close();
                  stopped.countDown();
                },
                "lumina-scheduler-shutdown"));
    System.out.println(
        "lumina scheduler: placing jobs from Kafka " + kafka + " with tiers " + config.tiers());
    while (!stopped.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
      if (!scheduler.isRunning()) {
        System.err.println("lumina scheduler: stopped after a Kafka failure; restart it");
        return 1;
      }
    }
    return 0;
  }
}

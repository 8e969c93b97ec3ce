package dev.lumina.deploy.kafka;

import java.util.Properties;

/** Builds the {@code server.properties} of the single-node embedded broker; stateless. */
final class BrokerProperties {

  private BrokerProperties() {}

  static Properties build(EmbeddedKafkaConfig config, int brokerPort, int controllerPort) {
    String host = config.host();
    Properties p = new Properties();
    p.setProperty("process.roles", "broker,controller");
    p.setProperty("node.id", "1");
    p.setProperty("controller.quorum.voters", "1@" + host + ":" + controllerPort);
    p.setProperty("controller.listener.names", "CONTROLLER");
    p.setProperty("inter.broker.listener.name", "PLAINTEXT");
    p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.setProperty("log.dirs", config.dataDir().toAbsolutePath().toString());
    p.setProperty("num.partitions", "1");
    p.setProperty("auto.create.topics.enable", "true");
    // One node: every internal topic must have replication factor 1, or nothing is ever delivered.
    p.setProperty("offsets.topic.replication.factor", "1");
    p.setProperty("offsets.topic.num.partitions", "1");
    p.setProperty("transaction.state.log.replication.factor", "1");
    p.setProperty("transaction.state.log.min.isr", "1");
    p.setProperty("share.coordinator.state.topic.replication.factor", "1");
    p.setProperty("share.coordinator.state.topic.min.isr", "1");
    p.setProperty("group.initial.rebalance.delay.ms", "0");
    // A controlled shutdown of the only broker leaves every partition without a leader while its
    // transaction coordinator still completes transactions, and Kafka 4.4 then drops their markers
    // (see StaleRegistrationFence). Without it the node stops as it is, and the next start fences
    // the old registration before the broker runs.
    p.setProperty("controlled.shutdown.enable", "false");
    // The default reserves 128 MiB of heap for the log cleaner, which small JVMs cannot spare.
    p.setProperty("log.cleaner.dedupe.buffer.size", "8388608");
    p.putAll(config.extraProperties());
    // Listeners last: they must match the resolved ports whatever the extra properties say.
    p.setProperty(
        "listeners",
        "PLAINTEXT://" + host + ":" + brokerPort + ",CONTROLLER://" + host + ":" + controllerPort);
    p.setProperty("advertised.listeners", "PLAINTEXT://" + host + ":" + brokerPort);
    return p;
  }
}

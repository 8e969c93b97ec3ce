package dev.lumina.it.procs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * What a broker holds that decides whether read_committed readers make progress, as text for a
 * failure message: per partition the high watermark, the last stable offset and the producers with
 * a transaction open there (and since which offset); every transaction the coordinator knows with
 * its state and partitions; every consumer group with its members and committed offsets (read as a
 * read_committed consumer reads them, so a pending transactional commit shows as an error).
 *
 * <p>Each call opens and closes its own admin client; a part that fails or times out is reported in
 * place of its data, so a broken broker still yields a report. Stateless.
 */
final class KafkaState {
  private static final long TIMEOUT_S = 10;

  private KafkaState() {}

  /** The report of the broker at {@code bootstrap}; never throws. */
  static String describe(String bootstrap) {
    // Called after a timed-out wait, whose interrupt would fail every admin call here.
    boolean interrupted = Thread.interrupted();
    try {
      return report(bootstrap);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static String report(String bootstrap) {
    StringBuilder b = new StringBuilder("--- Kafka state at ").append(bootstrap).append(" ---\n");
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) (TIMEOUT_S * 1000));
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) (TIMEOUT_S * 1000));
    try (Admin admin = Admin.create(p)) {
      section(b, "partitions", () -> partitions(admin));
      section(b, "transactions", () -> transactions(admin));
      section(b, "groups", () -> groups(admin));
    } catch (RuntimeException e) {
      b.append("admin client failed: ").append(e).append('\n');
    }
    return b.toString();
  }

  /** Prints {@link #describe} of the broker at {@code args[0]}, for use on a stalled cluster. */
  public static void main(String[] args) {
    System.out.println(describe(args[0]));
  }

  private interface Part {
    String get() throws Exception;
  }

  private static void section(StringBuilder b, String name, Part part) {
    b.append("[").append(name).append("]\n");
    try {
      b.append(part.get());
    } catch (Exception e) {
      b.append("  failed: ").append(e).append('\n');
    }
  }

  private static String partitions(Admin admin) throws Exception {
    Collection<String> topics = admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS);
    Map<String, TopicDescription> described =
        admin.describeTopics(topics).allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS);
    Map<TopicPartition, String> leaders =
        new TreeMap<>(
            (x, y) ->
                x.topic().equals(y.topic())
                    ? Integer.compare(x.partition(), y.partition())
                    : x.topic().compareTo(y.topic()));
    described.forEach(
        (t, d) ->
            d.partitions()
                .forEach(
                    i ->
                        leaders.put(
                            new TopicPartition(t, i.partition()),
                            i.leader() == null ? "none" : Integer.toString(i.leader().id()))));
    List<TopicPartition> all = new ArrayList<>(leaders.keySet());
    Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
    all.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> hw =
        admin
            .listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED))
            .all()
            .get(TIMEOUT_S, TimeUnit.SECONDS);
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> lso =
        admin
            .listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
            .all()
            .get(TIMEOUT_S, TimeUnit.SECONDS);
    Map<TopicPartition, PartitionProducerState> producers =
        admin.describeProducers(all).all().get(TIMEOUT_S, TimeUnit.SECONDS);
    StringBuilder b = new StringBuilder();
    for (TopicPartition tp : all) {
      long h = hw.get(tp).offset();
      long s = lso.get(tp).offset();
      List<String> open = new ArrayList<>();
      PartitionProducerState ps = producers.get(tp);
      if (ps != null) {
        for (ProducerState st : ps.activeProducers()) {
          if (st.currentTransactionStartOffset().isPresent()) {
            open.add(
                "pid "
                    + st.producerId()
                    + " epoch "
                    + st.producerEpoch()
                    + " open since offset "
                    + st.currentTransactionStartOffset().getAsLong()
                    + " (last write "
                    + st.lastTimestamp()
                    + ", coordinator epoch "
                    + st.coordinatorEpoch().orElse(-1)
                    + ")");
          }
        }
      }
      if (h == 0 && open.isEmpty()) {
        continue;
      }
      b.append("  ")
          .append(tp)
          .append(" leader ")
          .append(leaders.get(tp))
          .append(" hw ")
          .append(h)
          .append(" lso ")
          .append(s)
          .append(s < h ? " (BEHIND)" : "")
          .append(open.isEmpty() ? "" : " open: " + open)
          .append('\n');
    }
    return b.toString();
  }

  private static String transactions(Admin admin) throws Exception {
    Collection<TransactionListing> listed =
        admin.listTransactions().all().get(TIMEOUT_S, TimeUnit.SECONDS);
    if (listed.isEmpty()) {
      return "  none\n";
    }
    Map<String, TransactionDescription> d =
        admin
            .describeTransactions(listed.stream().map(TransactionListing::transactionalId).toList())
            .all()
            .get(TIMEOUT_S, TimeUnit.SECONDS);
    StringBuilder b = new StringBuilder();
    d.forEach(
        (id, t) ->
            b.append("  ")
                .append(id)
                .append(": ")
                .append(t.state())
                .append(" pid ")
                .append(t.producerId())
                .append(" epoch ")
                .append(t.producerEpoch())
                .append(" timeout ")
                .append(t.transactionTimeoutMs())
                .append(" ms, started ")
                .append(t.transactionStartTimeMs().orElse(-1))
                .append(", partitions ")
                .append(t.topicPartitions())
                .append('\n'));
    return b.toString();
  }

  private static String groups(Admin admin) throws Exception {
    Collection<GroupListing> listed = admin.listGroups().all().get(TIMEOUT_S, TimeUnit.SECONDS);
    StringBuilder b = new StringBuilder();
    for (GroupListing g : listed) {
      String id = g.groupId();
      b.append("  ").append(id).append(": ");
      try {
        ConsumerGroupDescription d =
            admin
                .describeConsumerGroups(List.of(id))
                .all()
                .get(TIMEOUT_S, TimeUnit.SECONDS)
                .get(id);
        b.append(d.groupState())
            .append(", members ")
            .append(
                d.members().stream()
                    .map(
                        m ->
                            m.groupInstanceId().orElse(m.consumerId())
                                + " "
                                + m.assignment().topicPartitions())
                    .toList());
      } catch (Exception e) {
        b.append("describe failed: ").append(e);
      }
      try {
        Map<TopicPartition, OffsetAndMetadata> offsets =
            admin
                .listConsumerGroupOffsets(
                    id, new ListConsumerGroupOffsetsOptions().requireStable(true))
                .partitionsToOffsetAndMetadata()
                .get(Duration.ofSeconds(TIMEOUT_S).toSeconds(), TimeUnit.SECONDS);
        Map<String, Long> byPartition = new TreeMap<>();
        offsets.forEach((tp, o) -> byPartition.put(tp.toString(), o == null ? -1 : o.offset()));
        b.append(", committed (stable) ").append(byPartition);
      } catch (Exception e) {
        b.append(", committed (stable) failed: ").append(e);
      }
      b.append('\n');
    }
    return b.toString();
  }
}

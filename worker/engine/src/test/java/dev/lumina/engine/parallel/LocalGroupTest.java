package dev.lumina.engine.parallel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LocalGroupTest {

  @Test
  void allToAllDeliversPartJOfRankIToRankJAtIndexI() throws Exception {
    List<Collective> group = LocalGroup.create(3, Duration.ofSeconds(30));
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<byte[][]>> results = new ArrayList<>();
      for (Collective rank : group) {
        results.add(
            pool.submit(
                () -> {
                  byte[][] parts = new byte[3][];
                  for (int j = 0; j < 3; j++) {
                    parts[j] = new byte[] {(byte) rank.rank(), (byte) j, 7};
                  }
                  byte[][] first = rank.allToAll(parts);
                  // A second round reuses the table: no part of the first may leak into it.
                  byte[][] second = rank.allToAll(new byte[][] {{9}, {9}, {9}});
                  for (byte[] p : second) {
                    assertThat(p).containsExactly(9);
                  }
                  return first;
                }));
      }
      for (int j = 0; j < 3; j++) {
        byte[][] got = results.get(j).get(30, TimeUnit.SECONDS);
        for (int i = 0; i < 3; i++) {
          assertThat(got[i]).containsExactly(i, j, 7);
        }
      }
      // Each rank sent two 3-byte parts and then two 1-byte parts to its peers.
      assertThat(group).allSatisfy(r -> assertThat(r.bytesSent()).isEqualTo(8));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void allGatherReturnsEveryPartInRankOrder() throws Exception {
    List<Collective> group = LocalGroup.create(2, Duration.ofSeconds(30));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<byte[][]> other = pool.submit(() -> group.get(1).allGather(new byte[] {1, 1}));
      byte[][] mine = group.get(0).allGather(new byte[] {0});
      assertThat(mine[0]).containsExactly(0);
      assertThat(mine[1]).containsExactly(1, 1);
      assertThat(other.get(30, TimeUnit.SECONDS)[0]).containsExactly(0);
      assertThat(group.get(0).bytesSent()).isEqualTo(1);
      assertThat(group.get(1).bytesSent()).isEqualTo(2);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aPeerThatNeverArrivesFailsTheCallAtTheDeadline() {
    List<Collective> group = LocalGroup.create(2, Duration.ofMillis(200));
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> group.get(0).barrier())
        .isInstanceOf(CollectiveException.class)
        .hasMessageContaining("rank 0 of 2")
        .hasMessageContaining("did not arrive");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
    // The rendezvous is broken for the late peer too: it fails at once instead of waiting.
    assertThatThrownBy(() -> group.get(1).barrier()).isInstanceOf(CollectiveException.class);
  }

  @Test
  void aRankThatArrivesAfterAnAbortFailsAtOnceInsteadOfWaitingForTheDeadline() {
    List<Collective> group = LocalGroup.create(2, Duration.ofMinutes(10));
    // A peer failed before this rank reached the collective: the abort must still reach it.
    LocalGroup.abort(group.get(0));
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> group.get(1).barrier())
        .isInstanceOf(CollectiveException.class)
        .hasMessageContaining("aborted");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void meshesPlaceEveryRankOnItsCfgHalfRingAndUlyssesIndex() {
    List<ShardMesh> meshes = LocalGroup.mesh(new ParallelDegrees(2, 3, 2), Duration.ofSeconds(1));
    assertThat(meshes).hasSize(12);
    for (int r = 0; r < 12; r++) {
      ShardMesh m = meshes.get(r);
      assertThat(m.globalRank()).isEqualTo(r);
      assertThat(m.sequence().size()).isEqualTo(6);
      assertThat(m.sequence().rank()).isEqualTo(r % 6);
      assertThat(m.ulysses().rank()).isEqualTo(r % 3);
      assertThat(m.ring().size()).isEqualTo(2);
      assertThat(m.ring().rank()).isEqualTo((r % 6) / 3);
      assertThat(m.cfg().rank()).isEqualTo(r / 6);
    }
  }

  @Test
  void shiftPassesEachPartToTheNextRank() throws Exception {
    List<Collective> group = LocalGroup.create(3, Duration.ofSeconds(30));
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<byte[]>> got = new ArrayList<>();
      for (Collective rank : group) {
        got.add(pool.submit(() -> rank.shift(new byte[] {(byte) rank.rank(), 5})));
      }
      for (int r = 0; r < 3; r++) {
        assertThat(got.get(r).get(30, TimeUnit.SECONDS)).containsExactly((r + 2) % 3, 5);
      }
      assertThat(group).allSatisfy(c -> assertThat(c.bytesSent()).isEqualTo(2));
      assertThat(LocalGroup.single().shift(new byte[] {4})).containsExactly(4);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void degreesAreCheckedWithTheirNames() {
    assertThatThrownBy(() -> new ParallelDegrees(3, 1)).hasMessageContaining("cfg degree");
    assertThatThrownBy(() -> new ParallelDegrees(1, 0)).hasMessageContaining("ulysses degree");
    assertThat(new ParallelDegrees(2, 4).ranks()).isEqualTo(8);
    assertThat(ParallelDegrees.parse("ring=3, cfg=2")).isEqualTo(new ParallelDegrees(2, 1, 3));
    assertThat(ParallelDegrees.parse("")).isEqualTo(ParallelDegrees.SINGLE);
    assertThatThrownBy(() -> ParallelDegrees.parse("cfg=2,tp=2"))
        .hasMessageContaining("unknown parallel degree 'tp'");
    assertThatThrownBy(() -> ParallelDegrees.parse("ring=0")).hasMessageContaining("'ring=0'");
    assertThatThrownBy(() -> new ParallelDegrees(1, 4).check(6, 6))
        .hasMessageContaining("ulysses degree 4 must divide the model's heads (6)");
  }
}

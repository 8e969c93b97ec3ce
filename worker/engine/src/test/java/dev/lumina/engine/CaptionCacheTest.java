package dev.lumina.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CaptionCacheTest {
  private static CaptionCache.Entry entry(int floats) {
    return new CaptionCache.Entry(
        new long[] {1, floats}, new float[floats], new long[] {1, 1}, new float[1]);
  }

  @Test
  void keepsTheMostRecentlyUsedWithinItsByteBound() {
    CaptionCache c = new CaptionCache(4L * 29);
    c.put(List.of("a"), entry(9));
    c.put(List.of("b"), entry(9));
    assertThat(c.get(List.of("a"))).isPresent();
    c.put(List.of("c"), entry(9)); // 3 × 40 bytes > 116: the least recently used ("b") goes
    assertThat(c.get(List.of("b"))).isEmpty();
    assertThat(c.get(List.of("a"))).isPresent();
    assertThat(c.get(List.of("c"))).isPresent();
    assertThat(c.bytes()).isEqualTo(80);
    assertThat(c.hits()).isEqualTo(3);
    assertThat(c.misses()).isEqualTo(1);
  }

  @Test
  void anEntryLargerThanTheBoundIsNotKeptAndPromptPairsAreTheirOwnKey() {
    CaptionCache c = new CaptionCache(16);
    c.put(List.of("big"), entry(100));
    assertThat(c.get(List.of("big"))).isEmpty();
    CaptionCache d = new CaptionCache(1024);
    d.put(List.of("p", ""), entry(2));
    assertThat(d.get(List.of("p"))).isEmpty();
    assertThat(d.get(List.of("p", ""))).isPresent();
  }
}

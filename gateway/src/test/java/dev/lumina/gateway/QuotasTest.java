package dev.lumina.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quota file: per-tenant lines, the '*' line as every other tenant's, clear errors. */
class QuotasTest {
  @TempDir Path dir;

  private Path file(String text) throws IOException {
    return Files.writeString(dir.resolve("quotas"), text);
  }

  @Test
  void aTenantsLineOverridesTheStarLineKeyByKey() throws IOException {
    Quotas q =
        Quotas.load(
            file(
                "# per tenant\n"
                    + "*    requests-per-second=10 streams=4 jobs=2 queued-token-seconds=60\n"
                    + "acme jobs=20   # a big customer\n"
                    + "\n"
                    + "free requests-per-second=1 queued-token-seconds=0.5\n"),
            300,
            1e-6);
    assertThat(q.limitFor("acme")).isEqualTo(new Quotas.Limit(10, 4, 20, 60));
    assertThat(q.limitFor("free")).isEqualTo(new Quotas.Limit(1, 4, 2, 0.5));
    assertThat(q.limitFor("someone-else")).isEqualTo(new Quotas.Limit(10, 4, 2, 60));
    assertThat(q.maxQueuedTokenSecondsPerTier()).isEqualTo(300);
    assertThat(q.tenantsListed()).isEqualTo(2);
    assertThat(q.isNone()).isFalse();
  }

  @Test
  void aChangedFileIsFollowedAndABadRewriteKeepsThePreviousLimits() throws IOException {
    Path f = file("acme jobs=1\n");
    FakeClock clock = new FakeClock();
    Quotas q = Quotas.load(f, 0, 1e-6, clock);
    assertThat(q.limitFor("acme").jobs()).isEqualTo(1);
    Files.writeString(f, "acme jobs=5\n");
    assertThat(q.limitFor("acme").jobs()).as("before the next check").isEqualTo(1);
    clock.advance(Quotas.CHECK_INTERVAL);
    assertThat(q.limitFor("acme").jobs()).as("after it").isEqualTo(5);
    Files.writeString(f, "acme jobs=oops\n");
    clock.advance(Quotas.CHECK_INTERVAL);
    assertThat(q.limitFor("acme").jobs()).as("a rewrite that does not parse").isEqualTo(5);
    Files.writeString(f, "* streams=2\n");
    clock.advance(Quotas.CHECK_INTERVAL);
    assertThat(q.limitFor("acme")).isEqualTo(new Quotas.Limit(0, 2, 0, 0));
  }

  @Test
  void withoutAStarLineUnlistedTenantsHaveNoLimits() throws IOException {
    Quotas q = Quotas.load(file("acme jobs=1\n"), 0, 1e-6);
    assertThat(q.limitFor("other")).isEqualTo(Quotas.Limit.NONE);
    assertThat(Quotas.none().isNone()).isTrue();
  }

  @Test
  void badLinesNameTheFileLineAndKey() throws IOException {
    Path unknownKey = file("acme jobz=1\n");
    assertThatThrownBy(() -> Quotas.load(unknownKey, 0, 1e-6))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(unknownKey + " line 1")
        .hasMessageContaining("unknown key 'jobz'");
    Path negative = file("\nacme jobs=-3\n");
    assertThatThrownBy(() -> Quotas.load(negative, 0, 1e-6))
        .hasMessageContaining("line 2")
        .hasMessageContaining("jobs must be a number >= 0, got '-3'");
    Path twice = file("acme jobs=1\nacme jobs=2\n");
    assertThatThrownBy(() -> Quotas.load(twice, 0, 1e-6))
        .hasMessageContaining("line 2")
        .hasMessageContaining("tenant acme has a line already");
    Path noValue = file("acme jobs\n");
    assertThatThrownBy(() -> Quotas.load(noValue, 0, 1e-6))
        .hasMessageContaining("expected key=value, got 'jobs'");
    assertThatThrownBy(() -> Quotas.load(dir.resolve("missing"), 0, 1e-6))
        .hasMessageContaining("quotas: cannot read");
  }
}

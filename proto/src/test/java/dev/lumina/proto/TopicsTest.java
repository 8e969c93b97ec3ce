package dev.lumina.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lumina.proto.v1.Modality;
import org.junit.jupiter.api.Test;

class TopicsTest {

  @Test
  void parseWorkReadsWhatWorkWrites() {
    for (Modality m : Modalities.ALL) {
      for (String tier : new String[] {"s", "xl", "d1"}) {
        Topics.WorkTopic t = Topics.parseWork(Topics.work(m, tier));
        assertThat(t.modality()).isEqualTo(m);
        assertThat(t.tier()).isEqualTo(tier);
        assertThat(t.topic()).isEqualTo(Topics.work(m, tier));
      }
    }
    assertThat(Topics.parseWork("lumina.work.multiview.m"))
        .isEqualTo(new Topics.WorkTopic(Modality.MULTIVIEW, "m"));
  }

  @Test
  void unspecifiedModalityNamesTheImageTopic() {
    assertThat(Topics.work(Modality.MODALITY_UNSPECIFIED, "s")).isEqualTo("lumina.work.image.s");
    assertThatThrownBy(() -> Topics.work(Modality.UNRECOGNIZED, "s"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parseWorkRefusesOtherNamesWithTheExpectedForm() {
    for (String bad :
        new String[] {
          "lumina.events",
          "lumina.work.image",
          "lumina.work.image.",
          "lumina.work.IMAGE.s",
          "lumina.work.image.S",
          "lumina.work.sound.s",
          "lumina.work.unspecified.s",
          "lumina.work.image.s.x",
          "xlumina.work.image.s",
          "lumina-work-image-s",
          ""
        }) {
      assertThat(Topics.isWork(bad)).as(bad).isFalse();
      assertThatThrownBy(() -> Topics.parseWork(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "not a work topic: '"
                  + bad
                  + "'; expected lumina.work.<modality>.<tier>, modality one of "
                  + "image, video, multiview, audio and tier of [a-z0-9]+");
    }
    assertThat(Topics.isWork(null)).isFalse();
    assertThatThrownBy(() -> Topics.parseWork(null))
        .hasMessageStartingWith("not a work topic: null;");
  }

  @Test
  void isWorkAcceptsWorkTopics() {
    assertThat(Topics.isWork("lumina.work.image.s")).isTrue();
    assertThat(Topics.isWork("lumina.work.audio.xl")).isTrue();
    assertThat(Topics.isWork("lumina.work.video.m2")).isTrue();
  }
}

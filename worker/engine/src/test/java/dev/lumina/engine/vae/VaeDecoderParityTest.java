package dev.lumina.engine.vae;

import static dev.lumina.engine.vae.VaeVectors.array;
import static dev.lumina.engine.vae.VaeVectors.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.lumina.engine.attention.ChunkedAttention;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.media.RgbImage;
import dev.lumina.engine.model.EngineKind;
import dev.lumina.engine.model.Precision;
import dev.lumina.engine.pytorch.PyTorch;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class VaeDecoderParityTest {

  private static VaeDecoder vae;
  private static Map<String, HostTensor> in;
  private static Map<String, HostTensor> out;
  private static NDManager manager;

  @BeforeAll
  static void load() {
    PyTorch.setGradMode(false);
    Path dir = VaeVectors.dir();
    vae =
        VaeDecoder.load(
            dir.resolve("vae"),
            PyTorch.defaultDevice(),
            new ChunkedAttention(),
            TiledDecoding.NEVER);
    in = VaeVectors.read(dir.resolve("inputs.safetensors"));
    out = VaeVectors.read(dir.resolve("outputs.safetensors"));
    manager = PyTorch.newManager(vae.device());
  }

  @AfterAll
  static void close() {
    manager.close();
    vae.close();
  }

  @Test
  void configComesFromTheFolder() {
    assertThat(vae.config().blockOutChannels()).containsExactly(32, 64);
    assertThat(vae.spatialFactor()).isEqualTo(2);
    assertThat(vae.latentChannels()).isEqualTo(4);
    assertThat(vae.scalingFactor()).isEqualTo(0.13025f);
    assertThat(vae.config().shiftFactor()).isNull();
    assertThat(vae.config().normNumGroups()).isEqualTo(8);
  }

  @Test
  void decodeAndEveryTraceTensorMatchTheReference() {
    Map<String, NDArray> trace = new HashMap<>();
    NDArray decoded = vae.decode(array(manager, in.get("latents")), trace);
    assertClose("decoded", decoded, out.get("decoded"));
    int compared = 0;
    for (Map.Entry<String, HostTensor> e : out.entrySet()) {
      if (e.getKey().startsWith("dbg.")) {
        assertThat(trace).as("trace holds " + e.getKey()).containsKey(e.getKey());
        assertClose(e.getKey(), trace.get(e.getKey()), e.getValue());
        compared++;
      }
    }
    assertThat(compared).isEqualTo(9);
    NDArray plain = vae.decode(array(manager, in.get("latents")));
    assertThat(VaeVectors.maxAbsDiff(plain, out.get("decoded"))).isLessThan(1e-4);
  }

  @Test
  void compiledDecodeMatchesTheReferenceInEitherDtype() {
    assertThat(vae.engine()).as("as loaded").isEqualTo(EngineKind.EAGER);
    NDArray eager = vae.decode(array(manager, in.get("latents")));
    for (Precision p : Precision.values()) {
      vae.useEngine(EngineKind.COMPILED, p);
      try {
        assertThat(vae.engine()).isEqualTo(EngineKind.COMPILED);
        NDArray compiled = vae.decode(array(manager, in.get("latents")));
        assertClose("decoded, compiled " + p, compiled, out.get("decoded"));
        assertThat(compiled.sub(eager).abs().max().getFloat())
            .as("compiled %s against per op", p)
            .isLessThan(1e-5f);
        // A traced decode still runs per op and records every intermediate.
        Map<String, NDArray> trace = new HashMap<>();
        vae.decode(array(manager, in.get("latents")), trace);
        assertThat(trace).containsKeys("dbg.conv_in", "dbg.mid_block", "dbg.conv_norm_out");
      } finally {
        vae.useEngine(EngineKind.EAGER, Precision.FP32);
      }
    }
    assertThat(vae.engine()).isEqualTo(EngineKind.EAGER);
    assertThatThrownBy(() -> vae.useEngine(EngineKind.EAGER, Precision.BF16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--engine compiled");
  }

  @Test
  void postProcessingMatchesTheDemoBytes() {
    NDArray decoded = vae.decode(array(manager, in.get("latents")));
    NDArray unit = VaePictures.unit(decoded);
    assertClose("image", unit, out.get("image"));
    float[] demo = out.get("image_u8_demo").data();
    float[] rounded = out.get("image_u8").data();
    float[] mine = VaePictures.truncatedU8(unit).toFloatArray();
    float[] mineRounded = VaePictures.roundedU8(unit).toFloatArray();
    // ±1 allowed on at most 0.5 % of the 768 values (3); never more than 1 anywhere.
    assertThat(differing(mine, demo, 0)).isLessThanOrEqualTo(3);
    assertThat(differing(mineRounded, rounded, 0)).isLessThanOrEqualTo(3);
    assertThat(maxDiff(mine, demo)).isLessThanOrEqualTo(1f);
    assertThat(maxDiff(mineRounded, rounded)).isLessThanOrEqualTo(1f);
    // The truncating RgbImage holds the same bytes as the demo's PNG (CHW → HWC).
    RgbImage img = VaePictures.toImage(decoded, 0);
    int plane = 16 * 16;
    int off = 0;
    for (int i = 0; i < plane; i++) {
      for (int c = 0; c < 3; c++) {
        off += Math.abs((img.rgb()[i * 3 + c] & 0xff) - (int) demo[c * plane + i]) > 1 ? 1 : 0;
      }
    }
    assertThat(off).isZero();
    // The rounding variant differs from truncation on most pixels, so the choice matters.
    RgbImage roundedImg = RgbImage.fromSignedChw(decoded.get("0").toFloatArray(), 16, 16);
    assertThat(roundedImg.rgb()).isNotEqualTo(img.rgb());
  }

  private static int differing(float[] a, float[] b, int beyond) {
    int n = 0;
    for (int i = 0; i < a.length; i++) {
      n += Math.abs(a[i] - b[i]) > beyond ? 1 : 0;
    }
    return n;
  }

  private static float maxDiff(float[] a, float[] b) {
    float m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}

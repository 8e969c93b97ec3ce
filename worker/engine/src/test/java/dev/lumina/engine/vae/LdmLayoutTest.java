package dev.lumina.engine.vae;

import static dev.lumina.engine.vae.VaeVectors.array;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.lumina.engine.attention.ChunkedAttention;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.checkpoint.SafetensorsWriter;
import dev.lumina.engine.pytorch.PyTorch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dev set's diffusers weights renamed to the original LDM layout ({@code decoder.up.N} with the
 * level index reversed, {@code mid.block_1/attn_1/block_2}, 1x1-conv attention projections, {@code
 * nin_shortcut}, {@code norm_out}) in {@code sdxl_vae.safetensors} alone decode to the same
 * picture.
 */
class LdmLayoutTest {

  private static final Pattern UP = Pattern.compile("^decoder\\.up_blocks\\.(\\d+)\\.(.*)$");

  @TempDir Path tmp;

  @Test
  void ldmFileDecodesLikeTheDiffusersFile() throws Exception {
    Path dev = VaeVectors.dir();
    Map<String, HostTensor> diffusers =
        VaeVectors.read(dev.resolve("vae").resolve(VaeCheckpoint.DIFFUSERS_FILE));
    Map<String, HostTensor> ldm = toLdm(diffusers, 2);
    assertThat(ldm.keySet())
        .contains("decoder.up.0.block.0.nin_shortcut.weight", "decoder.up.1.upsample.conv.weight")
        .doesNotContain("decoder.up.0.upsample.conv.weight");
    assertThat(ldm.get("decoder.mid.attn_1.q.weight").shape()).containsExactly(64, 64, 1, 1);

    Path withConfig = Files.createDirectories(tmp.resolve("with-config"));
    SafetensorsWriter.write(withConfig.resolve(VaeCheckpoint.LDM_FILE), ldm, Map.of());
    Files.copy(dev.resolve("vae/config.json"), withConfig.resolve("config.json"));
    Path bare = Files.createDirectories(tmp.resolve("bare"));
    SafetensorsWriter.write(
        bare.resolve(VaeCheckpoint.LDM_FILE), ldm, Map.of("norm_num_groups", "8"));

    Map<String, HostTensor> in = VaeVectors.read(dev.resolve("inputs.safetensors"));
    Map<String, HostTensor> out = VaeVectors.read(dev.resolve("outputs.safetensors"));
    PyTorch.setGradMode(false);
    try (NDManager m = PyTorch.newManager(PyTorch.defaultDevice());
        VaeDecoder reference = open(dev.resolve("vae"));
        VaeDecoder fromLdm = open(withConfig);
        VaeDecoder inferred = open(bare)) {
      assertThat(VaeCheckpoint.load(withConfig).layout()).isEqualTo(VaeCheckpoint.Layout.LDM);
      assertThat(inferred.config().blockOutChannels()).containsExactly(32, 64);
      assertThat(inferred.config().layersPerBlock()).isEqualTo(1);
      assertThat(inferred.config().normNumGroups()).isEqualTo(8);
      assertThat(inferred.scalingFactor()).isEqualTo(0.13025f);
      assertThat(inferred.config().usePostQuantConv()).isTrue();
      NDArray latents = array(m, in.get("latents"));
      NDArray expected = reference.decode(latents);
      for (VaeDecoder d : new VaeDecoder[] {fromLdm, inferred}) {
        NDArray got = d.decode(latents);
        assertThat(got.sub(expected).abs().max().getFloat()).isEqualTo(0f);
        VaeVectors.assertClose("decoded", got, out.get("decoded"));
      }
    }
    // Without metadata the groups fall back to 32, which still divides every level here.
    Path noMeta = Files.createDirectories(tmp.resolve("no-meta"));
    SafetensorsWriter.write(noMeta.resolve(VaeCheckpoint.LDM_FILE), ldm, Map.of());
    assertThat(VaeCheckpoint.load(noMeta).config().normNumGroups()).isEqualTo(32);
  }

  @Test
  void oldDiffusersAttentionNamesAreAccepted() throws Exception {
    Path dev = VaeVectors.dir();
    Map<String, HostTensor> renamed = new LinkedHashMap<>();
    VaeVectors.read(dev.resolve("vae").resolve(VaeCheckpoint.DIFFUSERS_FILE))
        .forEach(
            (k, v) ->
                renamed.put(
                    k.replace("attentions.0.to_q", "attentions.0.query")
                        .replace("attentions.0.to_k", "attentions.0.key")
                        .replace("attentions.0.to_v", "attentions.0.value")
                        .replace("attentions.0.to_out.0", "attentions.0.proj_attn"),
                    v));
    assertThat(renamed).containsKey("decoder.mid_block.attentions.0.proj_attn.weight");
    Path dir = Files.createDirectories(tmp.resolve("old"));
    SafetensorsWriter.write(dir.resolve(VaeCheckpoint.DIFFUSERS_FILE), renamed, Map.of());
    Files.copy(dev.resolve("vae/config.json"), dir.resolve("config.json"));
    assertThat(VaeCheckpoint.load(dir).tensors())
        .containsKey("decoder.mid_block.attentions.0.to_out.0.weight")
        .doesNotContainKey("decoder.mid_block.attentions.0.proj_attn.weight");
  }

  private static VaeDecoder open(Path dir) {
    return VaeDecoder.load(
        dir, PyTorch.defaultDevice(), new ChunkedAttention(), TiledDecoding.NEVER);
  }

  /** diffusers → LDM key names (the inverse of what the loader does), decoder weights only. */
  static Map<String, HostTensor> toLdm(Map<String, HostTensor> diffusers, int levels) {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, HostTensor> e : diffusers.entrySet()) {
      String k = e.getKey();
      HostTensor v = e.getValue();
      if (!k.startsWith("decoder.") && !k.startsWith("post_quant_conv.")) {
        out.put(k, v); // encoder and quant_conv ride along untouched
        continue;
      }
      k = k.replace("conv_shortcut.", "nin_shortcut.");
      Matcher m = UP.matcher(k);
      if (m.matches()) {
        int level = levels - 1 - Integer.parseInt(m.group(1));
        String rest =
            m.group(2)
                .replaceFirst("^resnets\\.", "block.")
                .replaceFirst("^upsamplers\\.0\\.conv\\.", "upsample.conv.");
        k = "decoder.up." + level + "." + rest;
      } else if (k.startsWith("decoder.mid_block.resnets.0.")) {
        k = "decoder.mid.block_1." + k.substring(28);
      } else if (k.startsWith("decoder.mid_block.resnets.1.")) {
        k = "decoder.mid.block_2." + k.substring(28);
      } else if (k.startsWith("decoder.mid_block.attentions.0.")) {
        k =
            "decoder.mid.attn_1."
                + k.substring(31)
                    .replaceFirst("^group_norm\\.", "norm.")
                    .replaceFirst("^to_q\\.", "q.")
                    .replaceFirst("^to_k\\.", "k.")
                    .replaceFirst("^to_v\\.", "v.")
                    .replaceFirst("^to_out\\.0\\.", "proj_out.");
        long[] s = v.shape();
        if (s.length == 2) {
          v = new HostTensor(new long[] {s[0], s[1], 1, 1}, v.data());
        }
      } else if (k.startsWith("decoder.conv_norm_out.")) {
        k = "decoder.norm_out." + k.substring(22);
      }
      out.put(k, v);
    }
    return out;
  }
}

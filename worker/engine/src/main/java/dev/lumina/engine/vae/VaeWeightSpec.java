package dev.lumina.engine.vae;

import dev.lumina.engine.checkpoint.CheckpointFormatException;
import dev.lumina.engine.checkpoint.HostTensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The decoder weights (diffusers names) and shapes a {@link VaeConfig} implies, so a folder whose
 * config and weights disagree fails at load with the first offending key instead of mid-decode.
 * Stateless.
 */
final class VaeWeightSpec {

  private VaeWeightSpec() {}

  /** Name to expected shape of every weight the decode path reads. */
  static Map<String, long[]> expected(VaeConfig c) {
    Map<String, long[]> out = new LinkedHashMap<>();
    int[] blocks = c.blockOutChannels();
    int levels = blocks.length;
    int top = blocks[levels - 1];
    int lat = c.latentChannels();
    if (c.usePostQuantConv()) {
      conv(out, "post_quant_conv", lat, lat, 1);
    }
    conv(out, "decoder.conv_in", top, lat, 3);
    resnet(out, "decoder.mid_block.resnets.0", top, top);
    if (c.midBlockAttention()) {
      String a = "decoder.mid_block.attentions.0";
      norm(out, a + ".group_norm", top);
      for (String p : new String[] {".to_q", ".to_k", ".to_v", ".to_out.0"}) {
        out.put(a + p + ".weight", new long[] {top, top});
        out.put(a + p + ".bias", new long[] {top});
      }
    }
    resnet(out, "decoder.mid_block.resnets.1", top, top);
    int prev = top;
    for (int n = 0; n < levels; n++) {
      int ch = blocks[levels - 1 - n];
      for (int r = 0; r <= c.layersPerBlock(); r++) {
        resnet(out, "decoder.up_blocks." + n + ".resnets." + r, r == 0 ? prev : ch, ch);
      }
      if (n < levels - 1) {
        conv(out, "decoder.up_blocks." + n + ".upsamplers.0.conv", ch, ch, 3);
      }
      prev = ch;
    }
    norm(out, "decoder.conv_norm_out", blocks[0]);
    conv(out, "decoder.conv_out", c.outChannels(), blocks[0], 3);
    return out;
  }

  /** Throws {@link CheckpointFormatException} naming the first missing or misshapen weight. */
  static void validate(VaeConfig c, Map<String, HostTensor> tensors) {
    for (Map.Entry<String, long[]> e : expected(c).entrySet()) {
      HostTensor t = tensors.get(e.getKey());
      if (t == null) {
        throw new CheckpointFormatException(
            "VAE weights lack '" + e.getKey() + "' required by " + c);
      }
      if (!Arrays.equals(t.shape(), e.getValue())) {
        throw new CheckpointFormatException(
            "VAE weight '"
                + e.getKey()
                + "' has shape "
                + Arrays.toString(t.shape())
                + ", expected "
                + Arrays.toString(e.getValue())
                + " for "
                + c);
      }
    }
  }

  private static void resnet(Map<String, long[]> out, String p, int in, int ch) {
    norm(out, p + ".norm1", in);
    conv(out, p + ".conv1", ch, in, 3);
    norm(out, p + ".norm2", ch);
    conv(out, p + ".conv2", ch, ch, 3);
    if (in != ch) {
      conv(out, p + ".conv_shortcut", ch, in, 1);
    }
  }

  private static void norm(Map<String, long[]> out, String p, int ch) {
    out.put(p + ".weight", new long[] {ch});
    out.put(p + ".bias", new long[] {ch});
  }

  private static void conv(Map<String, long[]> out, String p, int outCh, int inCh, int k) {
    out.put(p + ".weight", new long[] {outCh, inCh, k, k});
    out.put(p + ".bias", new long[] {outCh});
  }
}

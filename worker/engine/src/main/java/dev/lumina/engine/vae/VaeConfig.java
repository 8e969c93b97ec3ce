package dev.lumina.engine.vae;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.lumina.engine.checkpoint.CheckpointFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The decoder half of a diffusers {@code AutoencoderKL} configuration: everything {@link
 * VaeDecoder} needs, read from {@code config.json} or inferred from the weights' shapes.
 *
 * @param blockOutChannels channels per level, highest resolution first (diffusers order)
 * @param layersPerBlock resnets per encoder level; the decoder runs {@code layersPerBlock + 1}
 * @param latentChannels channels of the latent the decoder takes
 * @param outChannels channels of the decoded picture
 * @param normNumGroups GroupNorm groups everywhere in the decoder
 * @param scalingFactor latents are divided by it before decoding
 * @param shiftFactor added after the division when not null (SD3/Flux-style latents)
 * @param usePostQuantConv whether the 1x1 {@code post_quant_conv} runs before the decoder
 * @param midBlockAttention whether the mid block has its single-head attention
 * @param forceUpcast the checkpoint's request to decode in float32 (always the case here)
 */
public record VaeConfig(
    int[] blockOutChannels,
    int layersPerBlock,
    int latentChannels,
    int outChannels,
    int normNumGroups,
    float scalingFactor,
    Float shiftFactor,
    boolean usePostQuantConv,
    boolean midBlockAttention,
    boolean forceUpcast) {

  /** SDXL's scaling factor, the default when neither config nor metadata gives one. */
  public static final float SDXL_SCALING_FACTOR = 0.13025f;

  /** GroupNorm epsilon of every diffusers VAE decoder norm. */
  public static final float NORM_EPS = 1e-6f;

  public VaeConfig {
    blockOutChannels = blockOutChannels.clone();
    if (blockOutChannels.length < 1) {
      throw new IllegalArgumentException("block_out_channels must not be empty");
    }
    if (layersPerBlock < 0 || latentChannels < 1 || outChannels < 1 || normNumGroups < 1) {
      throw new IllegalArgumentException("invalid VAE sizes in " + describe(blockOutChannels));
    }
    for (int c : blockOutChannels) {
      if (c < 1 || c % normNumGroups != 0) {
        throw new IllegalArgumentException(
            "block_out_channels "
                + Arrays.toString(blockOutChannels)
                + " must be positive multiples of norm_num_groups "
                + normNumGroups);
      }
    }
    if (!(scalingFactor > 0f) || Float.isInfinite(scalingFactor)) {
      throw new IllegalArgumentException("scaling_factor must be finite and > 0");
    }
  }

  @Override
  public int[] blockOutChannels() {
    return blockOutChannels.clone();
  }

  /** Number of resolution levels. */
  public int levels() {
    return blockOutChannels.length;
  }

  /** Picture pixels per latent cell along each axis: {@code 2^(levels - 1)}. */
  public int spatialFactor() {
    return 1 << (levels() - 1);
  }

  /** Reads a diffusers {@code config.json}; absent keys take diffusers' defaults. */
  public static VaeConfig read(Path configJson) {
    JsonObject o;
    try {
      o = JsonParser.parseString(Files.readString(configJson)).getAsJsonObject();
    } catch (IOException | RuntimeException e) {
      throw new CheckpointFormatException("cannot read " + configJson + ": " + e.getMessage(), e);
    }
    int[] blocks =
        o.has("block_out_channels")
            ? intArray(o.getAsJsonArray("block_out_channels"))
            : new int[] {64};
    return new VaeConfig(
        blocks,
        integer(o, "layers_per_block", 1),
        integer(o, "latent_channels", 4),
        integer(o, "out_channels", 3),
        integer(o, "norm_num_groups", 32),
        present(o, "scaling_factor") ? o.get("scaling_factor").getAsFloat() : 0.18215f,
        present(o, "shift_factor") ? o.get("shift_factor").getAsFloat() : null,
        !present(o, "use_post_quant_conv") || o.get("use_post_quant_conv").getAsBoolean(),
        !present(o, "mid_block_add_attention") || o.get("mid_block_add_attention").getAsBoolean(),
        present(o, "force_upcast") && o.get("force_upcast").getAsBoolean());
  }

  /**
   * Infers the architecture from canonical (diffusers-named) weight shapes, for an LDM file without
   * {@code config.json}. GroupNorm groups are not visible in shapes: {@code groups} when not null,
   * else 32 (every SD-family VAE) when it divides every level's channels, else the largest common
   * divisor up to 32.
   */
  public static VaeConfig infer(Map<String, long[]> shapes, float scalingFactor, Integer groups) {
    int levels = 0;
    while (shapes.containsKey("decoder.up_blocks." + levels + ".resnets.0.conv1.weight")) {
      levels++;
    }
    if (levels == 0 || !shapes.containsKey("decoder.conv_in.weight")) {
      throw new CheckpointFormatException("no VAE decoder weights (decoder.conv_in, up blocks)");
    }
    int[] blocks = new int[levels];
    for (int n = 0; n < levels; n++) {
      // diffusers up block n works at level (levels - 1 - n).
      blocks[levels - 1 - n] =
          (int) shapes.get("decoder.up_blocks." + n + ".resnets.0.conv1.weight")[0];
    }
    int resnets = 0;
    while (shapes.containsKey("decoder.up_blocks.0.resnets." + resnets + ".conv1.weight")) {
      resnets++;
    }
    int g = 32;
    for (int c : blocks) {
      g = gcd(g, c);
    }
    long[] convIn = shapes.get("decoder.conv_in.weight");
    long[] convOut = shapes.get("decoder.conv_out.weight");
    return new VaeConfig(
        blocks,
        resnets - 1,
        (int) convIn[1],
        (int) convOut[0],
        groups != null ? groups : g,
        scalingFactor,
        null,
        shapes.containsKey("post_quant_conv.weight"),
        shapes.containsKey("decoder.mid_block.attentions.0.to_q.weight"),
        true);
  }

  private static int gcd(int a, int b) {
    return b == 0 ? a : gcd(b, a % b);
  }

  private static boolean present(JsonObject o, String key) {
    return o.has(key) && !o.get(key).isJsonNull();
  }

  private static int integer(JsonObject o, String key, int dflt) {
    return present(o, key) ? o.get(key).getAsInt() : dflt;
  }

  private static int[] intArray(com.google.gson.JsonArray a) {
    int[] out = new int[a.size()];
    int i = 0;
    for (JsonElement e : a) {
      out[i++] = e.getAsInt();
    }
    return out;
  }

  private static String describe(int[] blocks) {
    return "block_out_channels " + Arrays.toString(blocks);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VaeConfig c
        && Arrays.equals(blockOutChannels, c.blockOutChannels)
        && layersPerBlock == c.layersPerBlock
        && latentChannels == c.latentChannels
        && outChannels == c.outChannels
        && normNumGroups == c.normNumGroups
        && Float.compare(scalingFactor, c.scalingFactor) == 0
        && java.util.Objects.equals(shiftFactor, c.shiftFactor)
        && usePostQuantConv == c.usePostQuantConv
        && midBlockAttention == c.midBlockAttention
        && forceUpcast == c.forceUpcast;
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(blockOutChannels)
        + java.util.Objects.hash(layersPerBlock, scalingFactor);
  }

  @Override
  public String toString() {
    return "VaeConfig[block_out_channels="
        + Arrays.toString(blockOutChannels)
        + ", layers_per_block="
        + layersPerBlock
        + ", latent_channels="
        + latentChannels
        + ", out_channels="
        + outChannels
        + ", norm_num_groups="
        + normNumGroups
        + ", scaling_factor="
        + scalingFactor
        + ", shift_factor="
        + shiftFactor
        + ", use_post_quant_conv="
        + usePostQuantConv
        + ", mid_block_attention="
        + midBlockAttention
        + "]";
  }
}

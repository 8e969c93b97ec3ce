package dev.lumina.engine.vae;

import dev.lumina.engine.checkpoint.CheckpointFormatException;
import dev.lumina.engine.checkpoint.HostTensor;
import dev.lumina.engine.checkpoint.Metadata;
import dev.lumina.engine.checkpoint.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The decoder weights of a VAE folder under diffusers key names, with its configuration. Reads
 * {@code diffusion_pytorch_model.safetensors} (diffusers names, also the old {@code
 * query/key/value/proj_attn} attention names) or, when that file is absent, the original LDM layout
 * {@code sdxl_vae.safetensors} (any other single {@code *.safetensors} file is tried the same way),
 * renaming {@code decoder.up.N} to {@code decoder.up_blocks.(levels-1-N)}, {@code mid.block_1/2} to
 * {@code mid_block.resnets.0/1}, {@code mid.attn_1} to {@code mid_block.attentions.0} (1x1 conv
 * projections reshaped to linear {@code [C, C]}), {@code nin_shortcut} to {@code conv_shortcut} and
 * {@code norm_out} to {@code conv_norm_out}. Encoder weights are skipped. F16/BF16 are widened to
 * float32 by the reader.
 *
 * @param config from {@code config.json} when present, else inferred from the shapes (with {@code
 *     scaling_factor} and {@code norm_num_groups} from the file's {@code __metadata__} when given)
 * @param tensors canonical name to tensor
 * @param layout which file layout was read
 */
public record VaeCheckpoint(VaeConfig config, Map<String, HostTensor> tensors, Layout layout) {

  /** Which key naming the weights file used. */
  public enum Layout {
    DIFFUSERS,
    LDM
  }

  /** The diffusers weights file name. */
  public static final String DIFFUSERS_FILE = "diffusion_pytorch_model.safetensors";

  /** The original (LDM / sgm) weights file name stabilityai ships next to the diffusers one. */
  public static final String LDM_FILE = "sdxl_vae.safetensors";

  private static final Pattern LDM_UP = Pattern.compile("^decoder\\.up\\.(\\d+)\\.(.*)$");

  /** Loads the folder {@code dir} (or a single weights file). */
  public static VaeCheckpoint load(Path dir) {
    Path file;
    Path configJson;
    if (Files.isDirectory(dir)) {
      file = dir.resolve(DIFFUSERS_FILE);
      if (!Files.exists(file)) {
        file = dir.resolve(LDM_FILE);
      }
      if (!Files.exists(file)) {
        file = singleSafetensors(dir);
      }
      configJson = dir.resolve("config.json");
    } else {
      file = dir;
      configJson = dir.resolveSibling("config.json");
    }
    Map<String, HostTensor> raw = new LinkedHashMap<>();
    Metadata md;
    try (SafetensorsFile f = SafetensorsFile.open(file)) {
      md = new Metadata(f.metadata());
      for (String name : f.names()) {
        String n = name.startsWith("first_stage_model.") ? name.substring(18) : name;
        if (n.startsWith("decoder.") || n.startsWith("post_quant_conv.")) {
          raw.put(n, f.read(name));
        }
      }
    }
    boolean ldm = raw.keySet().stream().anyMatch(k -> k.startsWith("decoder.up."));
    Map<String, HostTensor> tensors = ldm ? fromLdm(raw) : fromDiffusers(raw);
    VaeConfig config;
    if (Files.exists(configJson)) {
      config = VaeConfig.read(configJson);
    } else {
      Map<String, long[]> shapes = new LinkedHashMap<>();
      tensors.forEach((k, v) -> shapes.put(k, v.shape()));
      float sf =
          md.decimal("scaling_factor")
              .map(Double::floatValue)
              .orElse(VaeConfig.SDXL_SCALING_FACTOR);
      config = VaeConfig.infer(shapes, sf, md.integer("norm_num_groups").orElse(null));
    }
    return new VaeCheckpoint(config, tensors, ldm ? Layout.LDM : Layout.DIFFUSERS);
  }

  private static Path singleSafetensors(Path dir) {
    try (var s = Files.list(dir)) {
      var found = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList();
      if (found.size() != 1) {
        throw new CheckpointFormatException(
            dir + ": expected " + DIFFUSERS_FILE + " or " + LDM_FILE + ", found " + found);
      }
      return found.get(0);
    } catch (java.io.IOException e) {
      throw new CheckpointFormatException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  private static Map<String, HostTensor> fromDiffusers(Map<String, HostTensor> raw) {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    String att = "decoder.mid_block.attentions.0.";
    raw.forEach(
        (k, v) -> {
          String n = k;
          if (n.startsWith(att)) {
            String rest = n.substring(att.length());
            rest =
                rest.replaceFirst("^query\\.", "to_q.")
                    .replaceFirst("^key\\.", "to_k.")
                    .replaceFirst("^value\\.", "to_v.")
                    .replaceFirst("^proj_attn\\.", "to_out.0.");
            n = att + rest;
          }
          out.put(n, n.startsWith(att) ? asLinear(v) : v);
        });
    return out;
  }

  private static Map<String, HostTensor> fromLdm(Map<String, HostTensor> raw) {
    int levels = 0;
    for (String k : raw.keySet()) {
      Matcher m = LDM_UP.matcher(k);
      if (m.matches()) {
        levels = Math.max(levels, Integer.parseInt(m.group(1)) + 1);
      }
    }
    Map<String, HostTensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, HostTensor> e : raw.entrySet()) {
      String k = e.getKey();
      HostTensor v = e.getValue();
      String n;
      Matcher m = LDM_UP.matcher(k);
      if (m.matches()) {
        int block = levels - 1 - Integer.parseInt(m.group(1));
        String rest =
            m.group(2)
                .replaceFirst("^block\\.", "resnets.")
                .replaceFirst("^upsample\\.conv\\.", "upsamplers.0.conv.");
        n = "decoder.up_blocks." + block + "." + resnetNames(rest);
      } else if (k.startsWith("decoder.mid.block_1.")) {
        n = "decoder.mid_block.resnets.0." + resnetNames(k.substring(20));
      } else if (k.startsWith("decoder.mid.block_2.")) {
        n = "decoder.mid_block.resnets.1." + resnetNames(k.substring(20));
      } else if (k.startsWith("decoder.mid.attn_1.")) {
        String rest =
            k.substring(19)
                .replaceFirst("^norm\\.", "group_norm.")
                .replaceFirst("^q\\.", "to_q.")
                .replaceFirst("^k\\.", "to_k.")
                .replaceFirst("^v\\.", "to_v.")
                .replaceFirst("^proj_out\\.", "to_out.0.");
        n = "decoder.mid_block.attentions.0." + rest;
        v = asLinear(v);
      } else if (k.startsWith("decoder.norm_out.")) {
        n = "decoder.conv_norm_out." + k.substring(17);
      } else {
        n = k;
      }
      out.put(n, v);
    }
    return out;
  }

  private static String resnetNames(String rest) {
    return rest.replace("nin_shortcut.", "conv_shortcut.");
  }

  /**
   * A {@code [C, C, 1, 1]} 1x1 convolution weight as the linear {@code [C, C]}; others as given.
   */
  private static HostTensor asLinear(HostTensor t) {
    long[] s = t.shape();
    if (s.length == 4 && s[2] == 1 && s[3] == 1) {
      return new HostTensor(new long[] {s[0], s[1]}, t.data());
    }
    return t;
  }
}

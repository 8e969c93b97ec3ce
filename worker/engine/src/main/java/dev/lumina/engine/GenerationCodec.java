package dev.lumina.engine;

import dev.lumina.engine.model.ForwardOptions;
import dev.lumina.engine.model.Guidance;
import dev.lumina.engine.model.TokenLayout;
import dev.lumina.engine.sampling.SamplerState;
import dev.lumina.engine.sampling.Solver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A batch of generations (and the state a resumed one starts from) as the bytes a shard group's
 * leader sends its followers before every run, so that every rank samples the same batch.
 * Stateless.
 */
final class GenerationCodec {

  private static final int VERSION = 1;

  private GenerationCodec() {}

  /** What one run samples. */
  record Batch(List<Generation> generations, SamplerState from) {}

  static byte[] encode(List<Generation> generations, SamplerState from) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(VERSION);
      out.writeInt(generations.size());
      for (Generation g : generations) {
        TokenLayout l = g.layout();
        out.writeUTF(l.kind().name());
        out.writeInt(l.frames());
        out.writeInt(l.height());
        out.writeInt(l.width());
        writeString(out, g.prompt());
        writeString(out, g.negativePrompt() == null ? "" : g.negativePrompt());
        out.writeFloat(g.cfgScale());
        out.writeUTF(g.guidance().name());
        out.writeUTF(g.solver().name());
        out.writeInt(g.steps());
        out.writeFloat(g.timeShift());
        out.writeLong(g.seed());
        ForwardOptions o = g.options();
        out.writeBoolean(o.proportionalAttention());
        out.writeInt(o.baseSeqLen());
        out.writeDouble(o.ntkFactor());
        out.writeDouble(o.ropeScalingFactor());
      }
      out.writeBoolean(from != null);
      if (from != null) {
        out.writeInt(from.step());
        out.writeInt(from.latent().length);
        for (float v : from.latent()) {
          out.writeFloat(v);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * @throws IllegalArgumentException if the bytes are not a batch of this version
   */
  static Batch decode(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      int version = in.readInt();
      if (version != VERSION) {
        throw new IllegalArgumentException(
            "the leader sent batch version " + version + ", this rank reads " + VERSION);
      }
      int n = in.readInt();
      List<Generation> gens = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        TokenLayout l =
            new TokenLayout(
                TokenLayout.Kind.valueOf(in.readUTF()), in.readInt(), in.readInt(), in.readInt());
        String prompt = readString(in);
        String negative = readString(in);
        float cfg = in.readFloat();
        Guidance guidance = Guidance.valueOf(in.readUTF());
        Solver solver = Solver.valueOf(in.readUTF());
        int steps = in.readInt();
        float shift = in.readFloat();
        long seed = in.readLong();
        ForwardOptions o =
            new ForwardOptions(in.readBoolean(), in.readInt(), in.readDouble(), in.readDouble());
        gens.add(new Generation(l, prompt, negative, cfg, guidance, solver, steps, shift, seed, o));
      }
      SamplerState from = null;
      if (in.readBoolean()) {
        int step = in.readInt();
        float[] latent = new float[in.readInt()];
        for (int i = 0; i < latent.length; i++) {
          latent[i] = in.readFloat();
        }
        from = new SamplerState(step, latent);
      }
      return new Batch(gens, from);
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed batch from the leader: " + e, e);
    }
  }

  /** UTF-8 with an int length (prompts may pass writeUTF's 64 KiB). */
  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readString(DataInputStream in) throws IOException {
    byte[] b = new byte[in.readInt()];
    in.readFully(b);
    return new String(b, java.nio.charset.StandardCharsets.UTF_8);
  }
}

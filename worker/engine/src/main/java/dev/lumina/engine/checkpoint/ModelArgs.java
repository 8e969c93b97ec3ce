package dev.lumina.engine.checkpoint;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Unpickler;
import net.razorvine.pickle.objects.ClassDict;
import net.razorvine.pickle.objects.ClassDictConstructor;

/**
 * The training arguments a Lumina-T2I release ships beside its weights ({@code model_args.pth}): a
 * {@code torch.save} zip whose {@code data.pkl} pickles one {@code argparse.Namespace}. Only that
 * class may appear in the pickle: any other global, persistent reference (a tensor) or extension
 * code is refused with the name it asked for, so reading a file never constructs anything else.
 * Immutable.
 *
 * <p>The fields that matter to inference: {@code model} (e.g. {@code DiT_Llama_5B_patch2}), {@code
 * qk_norm}, {@code image_size} (the training resolution), {@code vae} ({@code sdxl}, {@code ema},
 * {@code mse}), {@code lm} and {@code tokenizer_path}, {@code rope_scaling_factor}, {@code
 * ntk_factor}, {@code precision}.
 */
public record ModelArgs(Map<String, Object> values) {
  /** The file name in a release's transformer folder. */
  public static final String FILE = "model_args.pth";

  private static final Set<String> ALLOWED = Set.of("argparse Namespace");
  private static final int GLOBAL = 'c';
  private static final int STACK_GLOBAL = 0x93;
  private static final Set<Integer> REFUSED =
      Set.of((int) 'i', (int) 'P', (int) 'Q', 0x82, 0x83, 0x84);

  public ModelArgs {
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /**
   * Reads {@code file}.
   *
   * @throws IOException when the file cannot be read
   * @throws CheckpointFormatException when it is not a torch zip holding a pickled {@code
   *     Namespace}, naming what it found instead
   */
  public static ModelArgs read(Path file) throws IOException {
    byte[] pickle;
    try (ZipFile zip = new ZipFile(file.toFile())) {
      ZipEntry data = null;
      for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
        ZipEntry z = e.nextElement();
        if (z.getName().equals("data.pkl") || z.getName().endsWith("/data.pkl")) {
          data = z;
          break;
        }
      }
      if (data == null) {
        throw new CheckpointFormatException(file + ": no data.pkl in the torch archive");
      }
      try (InputStream in = zip.getInputStream(data)) {
        pickle = in.readAllBytes();
      }
    } catch (java.util.zip.ZipException e) {
      throw new CheckpointFormatException(
          file + ": not a torch.save zip archive (" + e.getMessage() + ")");
    }
    Object o;
    RestrictedUnpickler u = new RestrictedUnpickler(file);
    try {
      o = u.load(new ByteArrayInputStream(pickle));
    } catch (PickleException e) {
      throw new CheckpointFormatException(file + ": " + e.getMessage());
    } finally {
      u.close();
    }
    if (!(o instanceof ClassDict ns) || !"argparse.Namespace".equals(ns.getClassName())) {
      throw new CheckpointFormatException(
          file
              + ": expected a pickled argparse.Namespace, got "
              + (o == null ? "None" : o.getClass().getName()));
    }
    Map<String, Object> values = new LinkedHashMap<>(ns);
    values.remove("__class__");
    return new ModelArgs(values);
  }

  /** The model constructor's name, e.g. {@code DiT_Llama_5B_patch2}. */
  public Optional<String> model() {
    return string("model");
  }

  /** The training resolution in pixels (square), e.g. 1024. */
  public Optional<Integer> imageSize() {
    return integer("image_size");
  }

  /** Whether queries and keys are layer-normalised. */
  public Optional<Boolean> qkNorm() {
    return Optional.ofNullable(values.get("qk_norm")).map(v -> (Boolean) v);
  }

  /** The RoPE scaling factor the model was built with (1 = none). */
  public double ropeScalingFactor() {
    return decimal("rope_scaling_factor").orElse(1.0);
  }

  /** The NTK factor the model was built with (1 = none). */
  public double ntkFactor() {
    return decimal("ntk_factor").orElse(1.0);
  }

  /** The VAE the model was trained against, e.g. {@code sdxl}. */
  public Optional<String> vae() {
    return string("vae");
  }

  /** The text encoder's name, e.g. {@code meta-llama/Llama-2-7b-hf}. */
  public Optional<String> textEncoder() {
    return string("lm");
  }

  /** A string field. */
  public Optional<String> string(String key) {
    Object v = values.get(key);
    return v instanceof String s ? Optional.of(s) : Optional.empty();
  }

  /** An integer field. */
  public Optional<Integer> integer(String key) {
    Object v = values.get(key);
    return v instanceof Number n ? Optional.of(n.intValue()) : Optional.empty();
  }

  /** A numeric field. */
  public Optional<Double> decimal(String key) {
    Object v = values.get(key);
    return v instanceof Number n ? Optional.of(n.doubleValue()) : Optional.empty();
  }

  /**
   * An unpickler that resolves only {@link #ALLOWED} globals and refuses every other way to build
   * objects.
   */
  private static final class RestrictedUnpickler extends Unpickler {
    private final Path file;

    RestrictedUnpickler(Path file) {
      this.file = file;
    }

    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
      if (key == GLOBAL) {
        String module = line();
        String name = line();
        String global = module + " " + name;
        if (!ALLOWED.contains(global)) {
          throw new PickleException(
              "refusing global '" + module + "." + name + "' (only argparse.Namespace)");
        }
        stack.add(new ClassDictConstructor(module, name));
        return NO_RETURN_VALUE;
      }
      if (key == STACK_GLOBAL || REFUSED.contains((int) key)) {
        throw new PickleException(
            "refusing pickle opcode 0x" + Integer.toHexString(key) + " in " + file.getFileName());
      }
      return super.dispatch(key);
    }

    @Override
    protected Object persistentLoad(Object pid) {
      throw new PickleException(
          "refusing a persistent reference (a tensor?) in " + file.getFileName());
    }

    private String line() throws IOException {
      StringBuilder b = new StringBuilder();
      int c;
      while ((c = input.read()) != '\n') {
        if (c < 0) {
          throw new PickleException("truncated GLOBAL opcode");
        }
        b.append((char) c);
      }
      return new String(b.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }
  }
}

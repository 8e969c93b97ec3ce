package dev.lumina.engine;

import dev.lumina.engine.checkpoint.ModelArgs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a model's parts are on disk. Two layouts are recognised:
 *
 * <ul>
 *   <li>one folder holding everything — {@code model.safetensors} (or {@code consolidated.RR-of-WW}
 *       shards) and the text encoder files side by side, as {@code lumina train} exports and the
 *       shipped model has; pixel-space models need no decoder;
 *   <li>the release layout of a latent model — {@code DIR/transformer/} (the Flag-DiT weights and
 *       {@value ModelArgs#FILE}), {@code DIR/text_encoder/} (a Hugging Face LLaMA folder) and
 *       {@code DIR/vae/} (a Hugging Face VAE folder), each exactly as downloaded.
 * </ul>
 *
 * <p>Each part can also be pointed at separately ({@link #of(Path, Path, Path)}), e.g. three
 * download folders in different places. Immutable.
 *
 * @param root the folder the model was named by (its model card, if any, lives here)
 * @param transformer the Flag-DiT weights' folder (or file)
 * @param textEncoder the text encoder's folder
 * @param vae the latent decoder's folder; empty for a pixel-space model
 */
public record ModelLayout(Path root, Path transformer, Path textEncoder, Optional<Path> vae) {
  /** Sub-folder of the release layout holding the Flag-DiT. */
  public static final String TRANSFORMER = "transformer";

  /** Sub-folder of the release layout holding the text encoder. */
  public static final String TEXT_ENCODER = "text_encoder";

  /** Sub-folder of the release layout holding the VAE. */
  public static final String VAE = "vae";

  public ModelLayout {
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(transformer, "transformer");
    Objects.requireNonNull(textEncoder, "textEncoder");
    Objects.requireNonNull(vae, "vae");
  }

  /**
   * The layout of {@code modelDir}: the release layout when it has a {@value #TRANSFORMER} folder.
   */
  public static ModelLayout of(Path modelDir) {
    return of(modelDir, null, null);
  }

  /**
   * The layout of {@code model} with the text encoder and VAE taken from the given folders where
   * not null; otherwise from the release layout's sub-folders, or from {@code model} itself.
   */
  public static ModelLayout of(Path model, Path textEncoder, Path vae) {
    Objects.requireNonNull(model, "model");
    boolean release = Files.isDirectory(model.resolve(TRANSFORMER));
    Path transformer = release ? model.resolve(TRANSFORMER) : model;
    Path text = textEncoder != null ? textEncoder : release ? model.resolve(TEXT_ENCODER) : model;
    Optional<Path> decoder =
        vae != null
            ? Optional.of(vae)
            : Files.isDirectory(model.resolve(VAE))
                ? Optional.of(model.resolve(VAE))
                : Optional.empty();
    return new ModelLayout(model, transformer, text, decoder);
  }

  /** Whether the model samples in a latent space that a VAE decodes to pixels. */
  public boolean latent() {
    return vae.isPresent();
  }

  /** The release's training arguments, when the transformer folder has them. */
  public Optional<Path> modelArgs() {
    Path p = transformer.resolve(ModelArgs.FILE);
    return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
  }
}

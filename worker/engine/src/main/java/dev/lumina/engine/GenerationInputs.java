package dev.lumina.engine;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.lumina.engine.sampling.SamplingRequest;
import dev.lumina.engine.text.EncodedText;
import dev.lumina.engine.text.TextEncoder;
import java.util.List;
import java.util.Optional;

/**
 * What the sampler takes for a generation: its captions encoded (from the cache when the same
 * prompts were encoded before) and its sampling settings. Thread-safe when the text encoder is.
 */
final class GenerationInputs {
  private final TextEncoder text;
  private final CaptionCache cache;

  GenerationInputs(TextEncoder text, CaptionCache cache) {
    this.text = text;
    this.cache = cache;
  }

  /** The sampling request of {@code g}, its arrays created in {@code m}. */
  SamplingRequest request(Generation g, NDManager m) {
    EncodedText caps =
        captions(g.guided() ? List.of(g.prompt(), g.negativePrompt()) : List.of(g.prompt()), m);
    return new SamplingRequest(
        g.layout(),
        caps.features().get(0),
        caps.mask().get(0),
        g.guided() ? caps.features().get(1) : null,
        g.guided() ? caps.mask().get(1) : null,
        g.cfgScale(),
        g.guidance(),
        g.solver(),
        g.steps(),
        g.timeShift(),
        g.seed(),
        g.options());
  }

  private EncodedText captions(List<String> prompts, NDManager m) {
    Optional<CaptionCache.Entry> hit = cache.get(prompts);
    if (hit.isPresent()) {
      CaptionCache.Entry e = hit.get();
      return new EncodedText(
          m.create(e.features(), new Shape(e.featureShape())),
          m.create(e.mask(), new Shape(e.maskShape())));
    }
    EncodedText caps = text.encode(prompts, m);
    cache.put(
        prompts,
        new CaptionCache.Entry(
            caps.features().getShape().getShape(),
            caps.features().toFloatArray(),
            caps.mask().getShape().getShape(),
            caps.mask().toFloatArray()));
    return caps;
  }

  long cacheHits() {
    return cache.hits();
  }

  long cacheBytes() {
    return cache.bytes();
  }
}

package dev.lumina.gateway;

import dev.lumina.proto.cluster.v1.ModelCard;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The models this gateway accepts jobs for: static cards from the config plus the cards workers
 * announce on {@code lumina.models}. The default model is the configured one, or else the first
 * name in alphabetical order.
 *
 * <p>Thread-safe: the catalog is an immutable map swapped in an {@link AtomicReference}.
 */
final class ModelCatalog {
  private final AtomicReference<Map<String, ModelCard>> cards = new AtomicReference<>(Map.of());
  private final String configuredDefault;

  ModelCatalog(List<ModelCard> staticCards, String configuredDefault) {
    this.configuredDefault = configuredDefault == null ? "" : configuredDefault;
    staticCards.forEach(this::put);
  }

  /** Adds or replaces a model's card. */
  void put(ModelCard card) {
    String name = card.getInfo().getName();
    if (name.isEmpty()) {
      throw new IllegalArgumentException("model card without info.name");
    }
    cards.updateAndGet(
        old -> {
          TreeMap<String, ModelCard> next = new TreeMap<>(old);
          next.put(name, card);
          return Map.copyOf(next);
        });
  }

  /** Withdraws a model (a tombstone on {@code lumina.models}). */
  void remove(String name) {
    cards.updateAndGet(
        old -> {
          TreeMap<String, ModelCard> next = new TreeMap<>(old);
          next.remove(name);
          return Map.copyOf(next);
        });
  }

  Optional<ModelCard> find(String name) {
    return Optional.ofNullable(cards.get().get(name));
  }

  /** Every card, by name. */
  List<ModelCard> all() {
    return new TreeMap<>(cards.get()).values().stream().toList();
  }

  /** The default model's name, or empty when no model is known. */
  String defaultModel() {
    Map<String, ModelCard> now = cards.get();
    if (!configuredDefault.isEmpty() && now.containsKey(configuredDefault)) {
      return configuredDefault;
    }
    return new TreeMap<>(now).keySet().stream().findFirst().orElse("");
  }
}

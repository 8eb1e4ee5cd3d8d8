package io.tributary.core.codec;

import io.tributary.core.annotation.Stable;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Codecs by stable type name. Immutable; built by {@link io.tributary.core.definition.ServiceDefinition},
 * which rejects two different codecs under one name.
 */
@Stable
public final class CodecRegistry {
  private final SortedMap<String, Codec<?>> byName;

  private CodecRegistry(SortedMap<String, Codec<?>> byName) {
    this.byName = Collections.unmodifiableSortedMap(new TreeMap<>(byName));
  }

  /** @param codecs codecs keyed by their type names; the caller has checked that names are unique */
  public static CodecRegistry of(Map<String, Codec<?>> codecs) {
    codecs.forEach((name, codec) -> {
      if (!name.equals(codec.typeName())) {
        throw new IllegalArgumentException("Codec " + codec + " is keyed as '" + name + "'");
      }
    });
    return new CodecRegistry(new TreeMap<>(codecs));
  }

  /** @return the codec registered under {@code typeName}, if any */
  public Optional<Codec<?>> find(String typeName) {
    return Optional.ofNullable(byName.get(typeName));
  }

  /**
   * @return the codec registered under {@code typeName}
   * @throws CodecException naming the known type names, if none is registered
   */
  public Codec<?> require(String typeName) {
    Codec<?> codec = byName.get(typeName);
    if (codec == null) {
      throw new CodecException(
          "Unknown type name '" + typeName + "'; known types: " + byName.keySet()
              + ". Register its aggregate or codec with ServiceDefinition.builder(...).",
          null);
    }
    return codec;
  }

  /** @return every registered type name, sorted */
  public Set<String> typeNames() {
    return byName.keySet();
  }
}

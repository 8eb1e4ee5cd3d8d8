package io.tributary.core;

import io.tributary.core.annotation.Stable;
import java.util.List;
import java.util.Objects;

/**
 * What {@link Aggregate#decide} returns: the events to append, or a {@link Rejection}. A business
 * "no" is a value, not an exception.
 *
 * @param <E> the event message
 */
@Stable
public sealed interface Decision<E> permits Decision.Accepted, Decision.Rejected {

  /** The command is accepted; its events (possibly none) are appended in order. */
  record Accepted<E>(List<E> events) implements Decision<E> {
    public Accepted {
      events = List.copyOf(events);
    }
  }

  /** The command is rejected; nothing is appended. */
  record Rejected<E>(Rejection rejection) implements Decision<E> {
    public Rejected {
      Objects.requireNonNull(rejection, "rejection");
    }
  }

  /** @return an acceptance of {@code events}, in order; no events means an accepted no-op */
  @SafeVarargs
  static <E> Decision<E> accept(E... events) {
    return new Accepted<>(List.of(events));
  }

  /** @return an acceptance of {@code events}, in order */
  static <E> Decision<E> accept(List<E> events) {
    return new Accepted<>(events);
  }

  /** @return a rejection */
  static <E> Decision<E> reject(Rejection rejection) {
    return new Rejected<>(rejection);
  }

  /**
   * @return a rejection with {@code code} and the message {@code String.format(Locale.ROOT, format,
   *     args)}, as {@link Rejection#of} formats it
   */
  static <E> Decision<E> reject(String code, String format, Object... args) {
    return new Rejected<>(Rejection.of(code, format, args));
  }
}

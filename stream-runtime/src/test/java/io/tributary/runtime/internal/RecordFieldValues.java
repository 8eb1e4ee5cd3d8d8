package io.tributary.runtime.internal;

import com.google.protobuf.ByteString;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ArbitrarySupplier;

/**
 * Field values for the record encoders' properties ({@code @ForAll(supplier = ...)}): each also at its
 * default, which proto3 leaves out.
 */
final class RecordFieldValues {
  private RecordFieldValues() {}

  static ByteString utf8(String text) {
    return ByteString.copyFromUtf8(text);
  }

  /** Empty, any text, or an id's length of letters. */
  static final class Texts implements ArbitrarySupplier<String> {
    @Override
    public Arbitrary<String> get() {
      return Arbitraries.oneOf(List.of(Arbitraries.just(""), Arbitraries.strings().ofMaxLength(200),
          Arbitraries.strings().withCharRange('a', 'z').ofLength(36)));
    }
  }

  /** 0, any long, or a small positive one. */
  static final class Numbers implements ArbitrarySupplier<Long> {
    @Override
    public Arbitrary<Long> get() {
      return Arbitraries.oneOf(List.of(Arbitraries.just(0L), Arbitraries.longs(),
          Arbitraries.longs().between(1, 1000)));
    }
  }

  /** 0, any int, or a small positive one. */
  static final class Counts implements ArbitrarySupplier<Integer> {
    @Override
    public Arbitrary<Integer> get() {
      return Arbitraries.oneOf(List.of(Arbitraries.just(0), Arbitraries.integers(),
          Arbitraries.integers().between(1, 5)));
    }
  }
}

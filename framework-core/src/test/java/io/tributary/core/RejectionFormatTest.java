package io.tributary.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IllegalFormatException;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

/** {@link Rejection#format} against {@code String.format(Locale.ROOT, ...)}, which it stands in for. */
class RejectionFormatTest {
  /** A format and its arguments: literal text, conversions (some it formats itself, some it hands on) and arguments. */
  record Case(String format, Object[] args) {
    @Override
    public String toString() {
      return "format '" + format + "' with " + Arrays.asList(args);
    }
  }

  @Property(tries = 2_000)
  void formatsAsStringFormatInTheRootLocale(@ForAll("cases") Case c) {
    String expected;
    try {
      expected = String.format(Locale.ROOT, c.format(), c.args());
    } catch (IllegalFormatException refused) {
      assertThatThrownBy(() -> Rejection.format(c.format(), c.args())).isInstanceOf(refused.getClass());
      return;
    }
    assertThat(Rejection.format(c.format(), c.args())).isEqualTo(expected);
  }

  @Test
  void formatsTheMessagesOfAnAggregate() {
    assertThat(Rejection.of("INSUFFICIENT_FUNDS", "Account %s holds %d, less than %d", "acct-7", 12L, 40L).message())
        .isEqualTo("Account acct-7 holds 12, less than 40");
    assertThat(Rejection.of("NO_ARGUMENTS", "100% sure").message()).as("no arguments: the text as it is")
        .isEqualTo("100% sure");
    assertThat(Rejection.format("%,d of %s", 1234567, 'x')).as("a flag and a char: handed to String.format")
        .isEqualTo("1,234,567 of x");
  }

  @Test
  void formatsInTheRootLocaleWhateverTheDefault() {
    Locale before = Locale.getDefault();
    try {
      Locale.setDefault(Locale.forLanguageTag("ar-EG-u-nu-arab"));
      assertThat(Rejection.format("%d and %,d", 42, 1234567)).isEqualTo("42 and 1,234,567");
    } finally {
      Locale.setDefault(before);
    }
  }

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<Object> argument = Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(6).map(Object.class::cast),
        Arbitraries.integers().map(Object.class::cast),
        Arbitraries.longs().map(Object.class::cast),
        Arbitraries.shorts().map(Object.class::cast),
        Arbitraries.bytes().map(Object.class::cast),
        Arbitraries.of(true, false).map(Object.class::cast),
        Arbitraries.chars().map(Object.class::cast),
        Arbitraries.doubles().map(Object.class::cast),
        Arbitraries.bigIntegers().between(BigInteger.valueOf(-1000), BigInteger.valueOf(1000)).map(Object.class::cast))
        .injectNull(0.1);
    Arbitrary<String> piece = Arbitraries.oneOf(
        Arbitraries.strings().withChars("ab %-é\n").ofMaxLength(4),
        Arbitraries.of("%s", "%d", "%%", "%n", "%x", "%5d", "%-3s", "%2$s", "%S", "%", "%b"));
    return Arbitraries.lazy(() -> piece.list().ofMaxSize(6)
        .flatMap(pieces -> argument.list().ofMaxSize(5).map(args -> Tuple.of(pieces, args))))
        .map(t -> new Case(String.join("", t.get1()), new ArrayList<>(t.get2()).toArray()));
  }
}

package io.tributary.runtime.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

class CommandKeyTest {
  @Property(tries = 500)
  void isTheSameKeyFromTheTextOrItsUtf8(@ForAll String commandId) {
    CommandKey fromText = CommandKey.of(commandId);
    CommandKey fromBytes = CommandKey.of(ByteString.copyFromUtf8(commandId));

    assertThat(fromBytes).isEqualTo(fromText).hasSameHashCodeAs(fromText);
    assertThat(fromBytes.storeKey()).isEqualTo(StoreKeys.outcome(commandId));
    assertThat(fromBytes.hash()).isEqualTo(CommandIdFilter.hash(StoreKeys.outcome(commandId), 1));
    assertThat(fromBytes.commandId()).isEqualTo(ByteString.copyFromUtf8(commandId).toStringUtf8());
    assertThat(fromBytes.utf8()).isEqualTo(ByteString.copyFromUtf8(commandId));
  }

  @Property(tries = 500)
  void differsWhenTheIdsDo(@ForAll String one, @ForAll String other) {
    // an unpaired surrogate encodes as '?', as protobuf and the gateway encode it too
    Assume.that(wellFormed(one) && wellFormed(other));
    assertThat(CommandKey.of(one).equals(CommandKey.of(other))).isEqualTo(one.equals(other));
  }

  private static boolean wellFormed(String text) {
    return text.codePoints().noneMatch(c -> c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE);
  }
}

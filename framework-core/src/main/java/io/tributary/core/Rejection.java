package io.tributary.core;

import io.tributary.core.annotation.Stable;
import java.util.regex.Pattern;

/**
 * A business "no": a stable, machine-readable code such as {@code POST_ARCHIVED}, and a message for
 * people. Clients branch on the code, never on the message.
 */
@Stable
public record Rejection(String code, String message) {
  private static final Pattern CODE = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");

  /**
   * @throws IllegalArgumentException if {@code code} is not UPPER_SNAKE_CASE of at most 64 characters
   */
  public Rejection {
    if (code == null || !CODE.matcher(code).matches()) {
      throw new IllegalArgumentException(
          "Rejection code '" + code + "' is not a stable code: use UPPER_SNAKE_CASE of at most 64"
              + " characters, such as POST_ARCHIVED.");
    }
    if (message == null) {
      throw new IllegalArgumentException("Rejection " + code + " has no message; say why, for people.");
    }
  }

  /** @return a rejection whose message is {@code String.format(format, args)} */
  public static Rejection of(String code, String format, Object... args) {
    return new Rejection(code, args.length == 0 ? format : String.format(format, args));
  }
}

package io.tributary.core;

import io.tributary.core.annotation.Stable;

/**
 * A business "no": a stable, machine-readable code such as {@code POST_ARCHIVED}, and a message for
 * people. Clients branch on the code, never on the message.
 */
@Stable
public record Rejection(String code, String message) {
  private static final int MAX_CODE_LENGTH = 64;

  /**
   * @throws IllegalArgumentException if {@code code} is not UPPER_SNAKE_CASE of at most 64 characters
   */
  public Rejection {
    if (!isStableCode(code)) {
      throw new IllegalArgumentException(
          "Rejection code '" + code + "' is not a stable code: use UPPER_SNAKE_CASE of at most 64"
              + " characters, such as POST_ARCHIVED.");
    }
    if (message == null) {
      throw new IllegalArgumentException("Rejection " + code + " has no message; say why, for people.");
    }
  }

  /** @return whether {@code code} is UPPER_SNAKE_CASE ({@code [A-Z][A-Z0-9_]*}) of at most 64 characters */
  private static boolean isStableCode(String code) {
    // checked on every rejection a service decides, so a loop rather than a regular expression
    if (code == null || code.isEmpty() || code.length() > MAX_CODE_LENGTH
        || code.charAt(0) < 'A' || code.charAt(0) > 'Z') {
      return false;
    }
    for (int i = 1; i < code.length(); i++) {
      char c = code.charAt(i);
      if (!(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != '_') {
        return false;
      }
    }
    return true;
  }

  /** @return a rejection whose message is {@code String.format(format, args)} */
  public static Rejection of(String code, String format, Object... args) {
    return new Rejection(code, args.length == 0 ? format : String.format(format, args));
  }
}

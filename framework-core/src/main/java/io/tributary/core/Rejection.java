package io.tributary.core;

import io.tributary.core.annotation.Stable;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

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

  /**
   * @return a rejection whose message is {@code String.format(Locale.ROOT, format, args)}, or {@code
   *     format} itself without arguments. The root locale makes the message the same on every instance
   *     that could decide the command, whatever its default locale.
   */
  public static Rejection of(String code, String format, Object... args) {
    return new Rejection(code, args.length == 0 ? format : format(format, args));
  }

  /**
   * {@code String.format(Locale.ROOT, format, args)}, without the {@link java.util.Formatter} for the
   * plain conversions rejections mostly use: {@code %s} of text, a number, a boolean or null; {@code
   * %d} of an {@code int}, {@code long}, {@code short} or {@code byte}; and {@code %%}. Any other
   * format, flag, width or argument goes to {@code String.format}, and so does a format that runs out
   * of arguments, which throws as it does.
   */
  static String format(String format, Object... args) {
    StringBuilder message = new StringBuilder(format.length() + 16 * args.length);
    int next = 0;
    int length = format.length();
    for (int at = 0; at < length; at++) {
      char c = format.charAt(at);
      if (c != '%') {
        message.append(c);
        continue;
      }
      char conversion = at + 1 < length ? format.charAt(at + 1) : 0;
      if (conversion == '%') {
        message.append('%');
      } else if (next < args.length && plain(conversion, args[next])) {
        message.append(args[next++]);
      } else {
        return String.format(Locale.ROOT, format, args);
      }
      at++;
    }
    return message.toString();
  }

  /** @return whether {@code argument} under {@code conversion} formats as its {@code toString} */
  private static boolean plain(char conversion, @Nullable Object argument) {
    boolean integral = argument instanceof Integer || argument instanceof Long || argument instanceof Short
        || argument instanceof Byte;
    if (conversion == 's') {
      return argument == null || argument instanceof String || argument instanceof Boolean || integral;
    }
    return conversion == 'd' && integral;
  }
}

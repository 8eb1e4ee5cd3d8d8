package io.tributary.projection.elasticsearch.internal;

/** JSON text the sink writes by hand: the bulk's action lines and the position document. */
public final class JsonText {
  private JsonText() {}

  /** @return {@code text} as a JSON string literal, quotes included */
  public static String quote(String text) {
    StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> quoted.append("\\\"");
        case '\\' -> quoted.append("\\\\");
        default -> {
          if (c < 0x20) {
            quoted.append("\\u%04x".formatted((int) c));
          } else {
            quoted.append(c);
          }
        }
      }
    }
    return quoted.append('"').toString();
  }
}

package io.tributary.core.codec;

import java.util.regex.Pattern;

/** The rule every stable type name follows. */
final class TypeNames {
  private static final Pattern VALID = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");

  private TypeNames() {}

  static String check(String typeName) {
    if (typeName == null || !VALID.matcher(typeName).matches()) {
      throw new IllegalArgumentException(
          "Type name '" + typeName + "' is not valid: use dot-separated identifiers such as"
              + " 'tributary.sample.post.v1.PostEvent'.");
    }
    return typeName;
  }
}

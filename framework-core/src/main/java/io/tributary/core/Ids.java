package io.tributary.core;

/** Checks shared by the envelopes. */
final class Ids {
  static final int MAX_LENGTH = 256;

  private Ids() {}

  static String require(String id, String what) {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException(what + " is missing; every " + what + " must be a non-blank string.");
    }
    if (id.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          what + " has " + id.length() + " characters; the limit is " + MAX_LENGTH
              + ". Use a shorter id such as a UUID.");
    }
    return id;
  }
}

package io.tributary.devservices.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Follows a text file that another process appends to, such as a child process's log, and hands
 * out each complete line once. Lines are UTF-8 and end with {@code \n} (a preceding {@code \r} is
 * dropped); a line still being written is held back until its end arrives. Not thread-safe: one
 * reader at a time.
 */
public final class LogTail implements AutoCloseable {
  private static final int CHUNK_BYTES = 64 * 1024;
  private static final int TAIL_WINDOW_BYTES = 256 * 1024;

  private final FileChannel channel;
  private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES);
  private final ByteArrayOutputStream partialLine = new ByteArrayOutputStream();

  private LogTail(FileChannel channel) {
    this.channel = channel;
  }

  /**
   * Opens {@code file} for following from its first byte.
   *
   * @throws IOException if the file does not exist or cannot be read
   */
  public static LogTail open(Path file) throws IOException {
    return new LogTail(FileChannel.open(file, StandardOpenOption.READ));
  }

  /**
   * Reads what was appended since the last call.
   *
   * @return the complete lines appended since the last call, oldest first; empty if none
   * @throws IOException if the file cannot be read; the tail should then be closed
   */
  public List<String> readNewLines() throws IOException {
    List<String> lines = new ArrayList<>();
    chunk.clear();
    while (channel.read(chunk) > 0) {
      chunk.flip();
      while (chunk.hasRemaining()) {
        byte b = chunk.get();
        if (b == '\n') {
          lines.add(decode(partialLine.toByteArray()));
          partialLine.reset();
        } else {
          partialLine.write(b);
        }
      }
      chunk.clear();
    }
    return lines;
  }

  /** Closes the file. Idempotent. */
  @Override
  public void close() throws IOException {
    channel.close();
  }

  /**
   * Reads the end of a file, for error messages.
   *
   * @return at most {@code maxLines} last lines of {@code file} (within its last 256 KiB), oldest
   *     first; an unfinished last line counts as a line
   * @throws IOException if the file does not exist or cannot be read
   */
  public static List<String> lastLines(Path file, int maxLines) throws IOException {
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      long start = Math.max(0, in.size() - TAIL_WINDOW_BYTES);
      ByteBuffer window = ByteBuffer.allocate((int) (in.size() - start));
      while (window.hasRemaining() && in.read(window, start + window.position()) > 0) {
        // read until the window is full or the file ends
      }
      List<String> lines = new ArrayList<>(
          List.of(decode(window.array(), window.position()).split("\n", -1)));
      if (start > 0) {
        lines.removeFirst(); // it begins before the window, so it is only the end of a line
      }
      if (!lines.isEmpty() && lines.getLast().isEmpty()) {
        lines.removeLast(); // the file ends with a line break
      }
      lines.replaceAll(LogTail::stripCarriageReturn);
      return List.copyOf(lines.subList(Math.max(0, lines.size() - maxLines), lines.size()));
    }
  }

  /** A convenience for error messages: {@link #lastLines} joined, or why they cannot be read. */
  public static String describeLastLines(Path file, int maxLines) {
    if (!Files.exists(file)) {
      return "(" + file + " does not exist)";
    }
    try {
      List<String> lines = lastLines(file, maxLines);
      return lines.isEmpty() ? "(" + file + " is empty)" : String.join(System.lineSeparator(), lines);
    } catch (IOException e) {
      return "(" + file + " cannot be read: " + e + ")";
    }
  }

  private static String decode(byte[] bytes) {
    return stripCarriageReturn(decode(bytes, bytes.length));
  }

  private static String decode(byte[] bytes, int length) {
    return new String(bytes, 0, length, StandardCharsets.UTF_8);
  }

  private static String stripCarriageReturn(String line) {
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }
}

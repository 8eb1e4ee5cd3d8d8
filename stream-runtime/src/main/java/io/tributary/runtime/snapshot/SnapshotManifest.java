package io.tributary.runtime.snapshot;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * The manifest of a snapshot, a UTF-8 text file named {@code MANIFEST}, one {@code key value} per
 * line, in this order:
 *
 * <pre>
 * tributary-snapshot                       magic
 * format 1                                 format version
 * service posts
 * partition 3
 * events-offset 1200                       next offset of events[p] to replay
 * outcomes-offset 340                      next offset of outcomes[p] to replay
 * created-at 2026-11-22T10:15:30.123Z      ISO-8601
 * files 2
 * file 4096 1a2b3c4d 000008.sst            size, CRC-32C (8 hex digits), relative name with '/'
 * file 16 0badf00d CURRENT
 * crc32c 89abcdef                          CRC-32C of every byte before this line
 * </pre>
 *
 * A reader checks the magic, then the format (a newer one is a {@link SnapshotFormatException}
 * before anything else is parsed), then the checksum, then the fields.
 */
record SnapshotManifest(
    String service,
    int partition,
    long eventsOffset,
    long outcomesOffset,
    Instant createdAt,
    List<FileEntry> files) {
  static final String FILE_NAME = "MANIFEST";
  static final String TEMP_NAME = "MANIFEST.tmp";
  static final String MAGIC = "tributary-snapshot";
  static final int FORMAT = 1;

  /** One data file: its relative name (with '/'), size in bytes and CRC-32C. */
  record FileEntry(String name, long size, int crc32c) {}

  SnapshotManifest {
    files = List.copyOf(files);
  }

  long totalBytes() {
    return files.stream().mapToLong(FileEntry::size).sum();
  }

  byte[] encode() {
    StringBuilder text = new StringBuilder()
        .append(MAGIC).append('\n')
        .append("format ").append(FORMAT).append('\n')
        .append("service ").append(service).append('\n')
        .append("partition ").append(partition).append('\n')
        .append("events-offset ").append(eventsOffset).append('\n')
        .append("outcomes-offset ").append(outcomesOffset).append('\n')
        .append("created-at ").append(createdAt).append('\n')
        .append("files ").append(files.size()).append('\n');
    for (FileEntry file : files) {
      text.append("file ").append(file.size()).append(' ').append(hex(file.crc32c())).append(' ')
          .append(file.name()).append('\n');
    }
    byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
    String trailer = "crc32c " + hex(crc32c(body)) + "\n";
    byte[] all = new byte[body.length + trailer.length()];
    System.arraycopy(body, 0, all, 0, body.length);
    System.arraycopy(trailer.getBytes(StandardCharsets.US_ASCII), 0, all, body.length,
        trailer.length());
    return all;
  }

  /**
   * @param where names the snapshot in messages, e.g. "snapshot X of posts partition 3 in /dir"
   * @throws SnapshotFormatException if the manifest is of a format this build does not read
   * @throws CorruptSnapshotException if it is not a manifest, or damaged
   */
  static SnapshotManifest decode(byte[] bytes, String where) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    List<String> lines = List.of(text.split("\n", -1));
    if (!lines.get(0).equals(MAGIC)) {
      String start = lines.get(0).length() > 40 ? lines.get(0).substring(0, 40) + "..." : lines.get(0);
      throw corrupt(where, "its MANIFEST is not a Tributary snapshot manifest: it starts with '"
          + start + "' instead of '" + MAGIC + "'");
    }
    int format = intNumber(field(lines, 1, "format", where), "format", where);
    if (format > FORMAT) {
      throw new SnapshotFormatException("Cannot read " + where + ": its manifest format " + format
          + " is newer than this build (reads " + FORMAT + "). Restore it with a build that reads"
          + " format " + format + ", or restore an older snapshot.");
    }
    if (format < 1) {
      throw corrupt(where, "its manifest has format " + format + ", which no build writes");
    }
    int trailer = text.lastIndexOf("\ncrc32c ");
    if (trailer < 0 || !text.endsWith("\n")) {
      throw corrupt(where, "its MANIFEST has no final crc32c line (truncated?)");
    }
    byte[] body = text.substring(0, trailer + 1).getBytes(StandardCharsets.UTF_8);
    String stated = text.substring(trailer + "\ncrc32c ".length(), text.length() - 1);
    if (!stated.equals(hex(crc32c(body)))) {
      throw corrupt(where, "its MANIFEST has CRC-32C " + hex(crc32c(body)) + " but states "
          + stated);
    }
    String service = field(lines, 2, "service", where);
    int partition = intNumber(field(lines, 3, "partition", where), "partition", where);
    long eventsOffset = number(field(lines, 4, "events-offset", where), "events-offset", where);
    long outcomesOffset = number(field(lines, 5, "outcomes-offset", where), "outcomes-offset", where);
    Instant createdAt;
    try {
      createdAt = Instant.parse(field(lines, 6, "created-at", where));
    } catch (DateTimeException e) {
      throw corrupt(where, "its MANIFEST has an invalid created-at: " + e.getMessage());
    }
    long count = number(field(lines, 7, "files", where), "files", where);
    // the lines: 8 header lines, the file lines, the crc32c line, and "" after the final '\n'
    if (count != lines.size() - 10) {
      throw corrupt(where, "its MANIFEST says " + count + " files but lists " + (lines.size() - 10));
    }
    List<FileEntry> files = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String[] parts = field(lines, 8 + i, "file", where).split(" ", 3);
      if (parts.length != 3 || parts[1].length() != 8) {
        throw corrupt(where, "its MANIFEST has an invalid file line: '" + lines.get(8 + i) + "'");
      }
      String problem = nameProblem(parts[2]);
      if (problem != null) {
        throw corrupt(where, "its MANIFEST lists the file '" + parts[2] + "', which " + problem);
      }
      try {
        files.add(new FileEntry(parts[2], number(parts[0], "file size", where),
            HexFormat.fromHexDigits(parts[1])));
      } catch (IllegalArgumentException e) {
        throw corrupt(where, "its MANIFEST has an invalid checksum in '" + lines.get(8 + i) + "'");
      }
    }
    try {
      return new SnapshotManifest(service, partition, eventsOffset, outcomesOffset, createdAt, files);
    } catch (IllegalArgumentException e) {
      throw corrupt(where, "its MANIFEST holds invalid values: " + e.getMessage());
    }
  }

  /** @return why {@code name} cannot be a data file's name, or null if it can */
  static @Nullable String nameProblem(String name) {
    if (name.isEmpty() || name.contains("\n") || name.contains("\r") || name.contains("\\")) {
      return "is empty or holds a line break or backslash";
    }
    for (String segment : name.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        return "is absolute or holds an empty, '.' or '..' segment";
      }
    }
    if (name.equals(FILE_NAME) || name.equals(TEMP_NAME)) {
      return "is reserved for the snapshot's own manifest";
    }
    return null;
  }

  static String hex(int crc) {
    return String.format(Locale.ROOT, "%08x", crc);
  }

  private static int crc32c(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    return (int) crc.getValue();
  }

  private static String field(List<String> lines, int index, String key, String where) {
    if (index >= lines.size() || !lines.get(index).startsWith(key + " ")) {
      throw corrupt(where, "its MANIFEST line " + (index + 1) + " should start with '" + key
          + " '" + (index < lines.size() ? " but is '" + lines.get(index) + "'" : " but is missing"));
    }
    return lines.get(index).substring(key.length() + 1);
  }

  private static long number(String value, String key, String where) {
    try {
      long number = Long.parseLong(value);
      if (number < 0) {
        throw new NumberFormatException("negative");
      }
      return number;
    } catch (NumberFormatException e) {
      throw corrupt(where, "its MANIFEST has an invalid " + key + ": '" + value + "'");
    }
  }

  private static int intNumber(String value, String key, String where) {
    long number = number(value, key, where);
    if (number > Integer.MAX_VALUE) {
      throw corrupt(where, "its MANIFEST has an invalid " + key + ": '" + value + "'");
    }
    return (int) number;
  }

  private static CorruptSnapshotException corrupt(String where, String problem) {
    return new CorruptSnapshotException("Cannot read " + where + ": " + problem
        + ". Restore an older snapshot, or replay the partition from its events topic.");
  }
}

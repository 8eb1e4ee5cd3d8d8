package io.tributary.devservices.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The class path of a child JVM, shipped as resources of a jar on this JVM's class path, so that
 * this JVM never loads its classes. Under one resource directory, {@code classpath.idx} lists the
 * jars relative to that directory:
 *
 * <pre>
 * tributary-classpath 1
 * sha256 &lt;hex checksum over all listed jars&gt;
 * lib/first.jar
 * lib/second.jar
 * </pre>
 *
 * <p>When the resources are plain files (a build's {@code target/classes}) the jars are used where
 * they are. When they sit inside a jar they are copied out once to a cache directory named after
 * the checksum; the copy is written under a temporary name and renamed, so concurrent and later
 * runs either find a complete copy or make their own. Thread-safe and safe across processes.
 */
public final class BundledClassPath {
  private static final String INDEX = "classpath.idx";
  private static final String MAGIC = "tributary-classpath";
  private static final int FORMAT = 1;
  private static final Pattern CHECKSUM = Pattern.compile("sha256 ([0-9a-f]{64})");

  private final ClassLoader loader;
  private final String resourceDir;
  private final URL index;
  private final String checksum;
  private final List<String> entries;

  private BundledClassPath(
      ClassLoader loader, String resourceDir, URL index, String checksum, List<String> entries) {
    this.loader = loader;
    this.resourceDir = resourceDir;
    this.index = index;
    this.checksum = checksum;
    this.entries = entries;
  }

  /**
   * Reads the index under {@code resourceDir}, such as {@code META-INF/tributary/es-node}.
   *
   * @return the class path, or empty if {@code loader} has no index there
   * @throws IOException if the index cannot be read or is not a valid index; the message names it
   */
  public static Optional<BundledClassPath> find(ClassLoader loader, String resourceDir)
      throws IOException {
    URL index = loader.getResource(resourceDir + "/" + INDEX);
    if (index == null) {
      return Optional.empty();
    }
    List<String> lines;
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(index.openStream(), StandardCharsets.UTF_8))) {
      lines = reader.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
    }
    String header = lines.isEmpty() ? "" : lines.getFirst();
    if (!header.startsWith(MAGIC + " ")) {
      throw new IOException(index + " is not a class path index: it starts with '" + header
          + "', not '" + MAGIC + " " + FORMAT + "'");
    }
    if (!header.equals(MAGIC + " " + FORMAT)) {
      throw new IOException(index + " has format '" + header.substring(MAGIC.length() + 1)
          + "', newer than this build (reads " + FORMAT + "); use matching versions of"
          + " tributary-dev-services and the artifact that holds the index");
    }
    Matcher checksum = CHECKSUM.matcher(lines.size() < 2 ? "" : lines.get(1));
    if (!checksum.matches()) {
      throw new IOException(index + " lacks its 'sha256 <hex>' line");
    }
    List<String> entries = lines.subList(2, lines.size());
    for (String entry : entries) {
      if (entry.startsWith("/") || entry.contains("\\") || List.of(entry.split("/")).contains("..")) {
        throw new IOException(index + " lists '" + entry + "', which is not a relative path below "
            + resourceDir);
      }
    }
    return Optional.of(
        new BundledClassPath(loader, resourceDir, index, checksum.group(1), List.copyOf(entries)));
  }

  /** @return the checksum over all jars, as written in the index */
  public String checksum() {
    return checksum;
  }

  /**
   * Makes every listed jar available as a file, as described on the class.
   *
   * @param cacheRoot where to copy jars that are inside a jar, for example {@code java.io.tmpdir}
   * @param cacheName the start of the cache directory's name; the checksum's first 16 digits follow
   * @return the jars, in index order
   * @throws IOException if a listed jar is missing or cannot be copied; the message names it
   */
  public List<Path> materialize(Path cacheRoot, String cacheName) throws IOException {
    if (index.getProtocol().equals("file")) {
      Path dir = toPath(index).getParent();
      List<Path> jars = resolve(dir);
      for (Path jar : jars) {
        if (!Files.isRegularFile(jar)) {
          throw new IOException(index + " lists " + jar + ", which does not exist; rebuild the"
              + " module that holds the index (mvn clean install)");
        }
      }
      return jars;
    }
    Path target = cacheRoot.resolve(cacheName + "-" + checksum.substring(0, 16));
    if (!isComplete(target)) {
      extract(cacheRoot, target);
    }
    return resolve(target);
  }

  private void extract(Path cacheRoot, Path target) throws IOException {
    Files.createDirectories(cacheRoot);
    Path staging = Files.createTempDirectory(cacheRoot, target.getFileName() + ".partial-");
    try {
      for (String entry : entries) {
        Path file = staging.resolve(entry);
        Files.createDirectories(file.getParent());
        try (InputStream in = loader.getResourceAsStream(resourceDir + "/" + entry)) {
          if (in == null) {
            throw new IOException(index + " lists " + entry + ", but there is no resource "
                + resourceDir + "/" + entry + "; the jar that holds the index is incomplete");
          }
          Files.copy(in, file);
        }
      }
      if (Files.exists(target)) {
        // only an incomplete copy gets here, damaged after its rename (say by a tmp cleaner)
        DataDirs.deleteRecursively(target);
      }
      try {
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException anotherProcessWasFirst) {
        if (!isComplete(target)) {
          throw new IOException("Cannot copy the class path of " + index + " to " + target
              + ": another process holds it, incomplete; delete " + target + " and retry");
        }
      }
    } finally {
      DataDirs.deleteRecursively(staging);
    }
  }

  private boolean isComplete(Path dir) {
    return Files.isDirectory(dir) && resolve(dir).stream().allMatch(Files::isRegularFile);
  }

  private List<Path> resolve(Path dir) {
    List<Path> jars = new ArrayList<>(entries.size());
    for (String entry : entries) {
      jars.add(dir.resolve(entry));
    }
    return List.copyOf(jars);
  }

  private static Path toPath(URL url) throws IOException {
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IOException("Cannot turn " + url + " into a file path: " + e.getMessage(), e);
    }
  }
}

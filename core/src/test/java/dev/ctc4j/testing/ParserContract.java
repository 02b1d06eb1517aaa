package dev.ctc4j.testing;

import dev.ctc4j.Ctc4jException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What every parser fuzz target checks: outside data either parses or is refused with one of our
 * typed exceptions ({@link Ctc4jException} and its subclasses). Anything else a parser throws
 * escapes to Jazzer, which reports it as a finding with the input that caused it.
 */
public final class ParserContract {
  private static final Path SCRATCH = createScratch();

  private ParserContract() {}

  /** A parser step that may throw anything; checked exceptions count as findings too. */
  @FunctionalInterface
  public interface Parse<T> {
    T run() throws Exception;
  }

  /** The parse's result, or empty when it refused the input with a typed exception; a null result is a finding. */
  public static <T> Optional<T> parse(Parse<T> parse) throws Exception {
    try {
      return Optional.of(Objects.requireNonNull(parse.run(), "the parser returned null"));
    } catch (Ctc4jException refused) {
      return Optional.empty();
    }
  }

  /**
   * Writes {@code bytes} to {@code name} in this fork's scratch folder (overwriting the previous
   * input) for parsers that read a path; the folder is deleted when the JVM exits.
   */
  public static Path file(String name, byte[] bytes) {
    try {
      Path file = SCRATCH.resolve(name);
      Files.createDirectories(file.getParent());
      return Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a fuzz input", e);
    }
  }

  /** The scratch folder itself, for parsers that take a directory. */
  public static Path folder() {
    return SCRATCH;
  }

  private static Path createScratch() {
    try {
      Path dir = Files.createTempDirectory("ctc4j-fuzz");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteTree(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException ignored) {
      // a temp folder left behind is harmless
    }
  }
}

package dev.ctc4j.infer;

import dev.ctc4j.InvalidInputException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the model to use when none is named: the system property {@code ctc4j.model}, else the
 * environment variable {@code CTC4J_MODEL}, else {@code models/an4} in the checkout that holds the
 * running jar or classes (cli/target/ctc4j-cli.jar, core/target/ctc4j-core.jar or core/target/classes:
 * up to three levels up).
 */
public final class DefaultModel {
  public static final String PROPERTY = "ctc4j.model";
  public static final String ENVIRONMENT = "CTC4J_MODEL";
  public static final String BUNDLED = "models/an4";

  private DefaultModel() {}

  /** The model {@code ctc4j.model} or {@code CTC4J_MODEL} names (a directory, or a pulled id), or null. */
  public static String named() {
    String named = System.getProperty(PROPERTY);
    if (named == null || named.isBlank()) named = System.getenv(ENVIRONMENT);
    return named == null || named.isBlank() ? null : named;
  }

  /** The default model directory; an {@link InvalidInputException} naming where it looked when there is none. */
  public static Path locate() {
    String named = named();
    if (named != null) {
      Path dir = Path.of(named);
      if (!Files.isDirectory(dir)) throw new InvalidInputException("the model " + dir + " (from " + PROPERTY + "/"
          + ENVIRONMENT + ") is not a directory");
      return dir;
    }
    List<Path> tried = new ArrayList<>();
    for (Path dir = codeLocation(); dir != null && tried.size() < 4; dir = dir.getParent()) {
      Path candidate = dir.resolve(BUNDLED);
      tried.add(candidate);
      if (Files.isDirectory(candidate)) return candidate;
    }
    throw new InvalidInputException("no model given: pass --model DIR, set " + ENVIRONMENT + " or -D" + PROPERTY
        + ", or put a model in " + BUNDLED + " of the checkout (looked in " + tried + ")");
  }

  /** The folder holding the running jar, or the classes folder itself. */
  private static Path codeLocation() {
    try {
      Path p = Path.of(DefaultModel.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
      return Files.isRegularFile(p) ? p.getParent() : p;
    } catch (URISyntaxException | SecurityException | NullPointerException e) {
      return null;
    }
  }
}

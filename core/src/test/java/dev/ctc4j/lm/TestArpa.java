package dev.ctc4j.lm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A small hand-made trigram model whose probabilities are worked out by hand in the tests. */
public final class TestArpa {
  private TestArpa() {}

  public static final String TEXT = """
      a model for tests

      \\data\\
      ngram 1=6
      ngram 2=5
      ngram 3=2

      \\1-grams:
      -1.0\t<unk>\t0
      -99\t<s>\t-0.5
      -0.7\t</s>
      -0.6\ta\t-0.3
      -0.8\tb\t-0.2
      -1.2\tab\t-0.1

      \\2-grams:
      -0.3\t<s> a\t-0.2
      -0.5\ta b\t-0.1
      -0.4\tb </s>
      -0.6\ta </s>
      -0.2\t<s> ab

      \\3-grams:
      -0.1\t<s> a b
      -0.25\ta b </s>

      \\end\\
      """;

  public static Path write(Path dir, String name, String text) {
    try {
      return Files.writeString(dir.resolve(name), text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

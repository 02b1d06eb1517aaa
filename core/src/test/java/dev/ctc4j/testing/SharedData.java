package dev.ctc4j.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The real-speech corpus in ../shared/data (beside the checkout in CI). Tests skip where it is absent. */
public final class SharedData {
  private SharedData() {}

  public static Path root() {
    return Path.of(System.getProperty("ctc4j.shared", "../shared")).resolve("data").toAbsolutePath().normalize();
  }

  public static Path require(String relative) {
    Path p = root().resolve(relative);
    assumeTrue(Files.exists(p), "shared data not present: " + p);
    return p;
  }
}

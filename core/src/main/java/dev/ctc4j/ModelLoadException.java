package dev.ctc4j;

import java.io.IOException;
import java.nio.file.Path;

/** A model directory that could not be read (missing, unreadable or truncated files); the cause says why. */
public class ModelLoadException extends Ctc4jException {
  private final Path directory;

  public ModelLoadException(Path directory, IOException cause) {
    super("cannot load the model in " + directory + ": " + cause.getMessage(), cause);
    this.directory = directory;
  }

  /** The model directory that failed to load. */
  public Path directory() {
    return directory;
  }
}

package dev.ctc4j.lm;

import dev.ctc4j.InvalidInputException;

/** A malformed ARPA file; the message names the file and line. Nothing of the file stays loaded. */
public final class ArpaFormatException extends InvalidInputException {
  private final long line;

  public ArpaFormatException(String source, long line, String problem) {
    super(source + ":" + line + ": " + problem);
    this.line = line;
  }

  /** The 1-based line number of the problem. */
  public long line() {
    return line;
  }
}

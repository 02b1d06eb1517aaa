package dev.ctc4j.audio;

import dev.ctc4j.InvalidInputException;

/** Audio that cannot be decoded. The message names the file or stream and the problem. */
public class AudioException extends InvalidInputException {
  /** What is wrong with the input. */
  public enum Problem {
    MISSING("cannot be opened"),
    EMPTY("is empty"),
    TRUNCATED("is truncated"),
    CORRUPT("has corrupt audio data"),
    NOT_AUDIO("is not audio"),
    NO_CHANNELS("has no audio channels"),
    BAD_SAMPLE_RATE("has an unusable sample rate"),
    UNSUPPORTED("uses an unsupported audio format");

    private final String phrase;

    Problem(String phrase) {
      this.phrase = phrase;
    }
  }

  private final Problem problem;

  public AudioException(Problem problem, String source, String detail) {
    super(source + " " + problem.phrase + ": " + detail);
    this.problem = problem;
  }

  public Problem problem() {
    return problem;
  }
}

package dev.ctc4j;

/** Base of every exception ctc4j throws on purpose. */
public class Ctc4jException extends RuntimeException {
  public Ctc4jException(String message) {
    super(message);
  }

  public Ctc4jException(String message, Throwable cause) {
    super(message, cause);
  }
}

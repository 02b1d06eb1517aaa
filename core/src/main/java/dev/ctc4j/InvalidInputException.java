package dev.ctc4j;

/** Input that cannot be processed: a bad shape, length, value or setting, named in the message. */
public class InvalidInputException extends Ctc4jException {
  public InvalidInputException(String message) {
    super(message);
  }

  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }
}

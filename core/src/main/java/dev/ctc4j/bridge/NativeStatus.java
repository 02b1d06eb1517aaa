package dev.ctc4j.bridge;

import dev.ctc4j.DeviceUnavailableException;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.NativeException;

/** Turns the status codes of the native API into typed exceptions carrying the native message. */
public final class NativeStatus {
  public static final int OK = 0;
  public static final int INVALID_ARGUMENT = 1;
  public static final int OUT_OF_MEMORY = 2;
  public static final int UNAVAILABLE = 3;
  public static final int CUDA_ERROR = 4;
  public static final int INTERNAL = 5;

  private NativeStatus() {}

  /** Throws for a non-zero status; {@code what} names the operation for the message. */
  public static void check(int status, String what) {
    if (status == OK) {
      return;
    }
    String message = what + ": " + CoreNative.ctc4j_last_error().getString();
    switch (status) {
      case INVALID_ARGUMENT -> throw new InvalidInputException(message);
      case UNAVAILABLE -> throw new DeviceUnavailableException(message);
      default -> throw new NativeException(status, message);
    }
  }
}

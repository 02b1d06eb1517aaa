package dev.ctc4j.bridge;

import dev.ctc4j.DeviceUnavailableException;
import dev.ctc4j.InvalidInputException;
import dev.ctc4j.NativeException;

/** Turns the status codes of the native API (read from ctc4j/core.h) into typed exceptions carrying the native message. */
public final class NativeStatus {
  public static final int OK = CoreNative.CTC4J_OK();
  public static final int INVALID_ARGUMENT = CoreNative.CTC4J_INVALID_ARGUMENT();
  public static final int OUT_OF_MEMORY = CoreNative.CTC4J_OUT_OF_MEMORY();
  public static final int UNAVAILABLE = CoreNative.CTC4J_UNAVAILABLE();
  public static final int CUDA_ERROR = CoreNative.CTC4J_CUDA_ERROR();
  public static final int INTERNAL = CoreNative.CTC4J_INTERNAL();

  private NativeStatus() {}

  /** Throws for a non-zero status; {@code what} names the operation for the message. */
  public static void check(int status, String what) {
    if (status == OK) {
      return;
    }
    String message = what + ": " + CoreNative.ctc4j_last_error().getString();
    if (status == INVALID_ARGUMENT) throw new InvalidInputException(message);
    if (status == UNAVAILABLE) throw new DeviceUnavailableException(message);
    throw new NativeException(status, message);
  }
}

package dev.ctc4j;

/** A failure inside native code (out of memory, a CUDA error, an internal error). */
public class NativeException extends Ctc4jException {
  private final int status;

  public NativeException(int status, String message) {
    super(message);
    this.status = status;
  }

  /** The native status code (see {@code ctc4j/core.h}). */
  public int status() {
    return status;
  }
}

package dev.ctc4j;

/** A CUDA device was asked for where none is usable; the message says why (no driver, not built...). */
public class DeviceUnavailableException extends Ctc4jException {
  public DeviceUnavailableException(String message) {
    super(message);
  }
}

package dev.ctc4j.serve;

/**
 * A request the service answers with an error status and a JSON body {@code {"error": message}};
 * the message names the problem so the client can fix it.
 */
final class ApiError extends RuntimeException {
  /** Seconds a client told to retry (503) should wait. */
  static final int RETRY_AFTER_SECONDS = 1;

  private final int status;
  private final boolean retryLater;

  private ApiError(int status, String message, boolean retryLater) {
    super(message, null, false, false);
    this.status = status;
    this.retryLater = retryLater;
  }

  static ApiError badRequest(String message) {
    return new ApiError(400, message, false);
  }

  static ApiError tooLarge(long maxBytes) {
    return new ApiError(413, "request body exceeds the limit of " + maxBytes + " bytes", false);
  }

  /** 503 with Retry-After: the server is at capacity or shutting down. */
  static ApiError unavailable(String message) {
    return new ApiError(503, message, true);
  }

  static ApiError timedOut(String message) {
    return new ApiError(504, message, false);
  }

  int status() {
    return status;
  }

  boolean retryLater() {
    return retryLater;
  }
}

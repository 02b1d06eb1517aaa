package dev.ctc4j.hub;

import dev.ctc4j.Ctc4jException;

/**
 * A download that failed for a reason outside this process: the host cannot be reached, the
 * server says no (404, 401, 403), transient failures outlasted the retries, or a file's bytes do
 * not match its SHA-256. The message is one line that names the URL and what to do.
 */
public class DownloadException extends Ctc4jException {
  public DownloadException(String message) {
    super(message);
  }

  public DownloadException(String message, Throwable cause) {
    super(message, cause);
  }
}

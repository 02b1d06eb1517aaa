package dev.ctc4j.serve;

import dev.ctc4j.InvalidInputException;
import java.time.Duration;

/**
 * How the service listens and what it accepts.
 *
 * @param host address to bind (loopback by default: expose it deliberately)
 * @param port TCP port; 0 picks a free one
 * @param maxBodyBytes largest upload; bigger ones get 413
 * @param maxConcurrentJobs transcriptions decoding or running at once; beyond it 503 + Retry-After
 * @param maxStreams live WebSocket streams at once; beyond it the socket closes with 1013 (try later)
 * @param requestTimeout longest a transcription may take before 504; also the idle timeout of
 *     connections and streams
 * @param shutdownGrace how long closing waits for in-flight requests and streams to finish
 */
public record ServerSettings(String host, int port, long maxBodyBytes, int maxConcurrentJobs, int maxStreams,
    Duration requestTimeout, Duration shutdownGrace) {
  public ServerSettings {
    if (host == null || host.isBlank()) throw new InvalidInputException("host must be set");
    if (port < 0 || port > 65535) throw new InvalidInputException("port must be in [0, 65535], got " + port);
    if (maxBodyBytes <= 0) throw new InvalidInputException("max body size must be positive, got " + maxBodyBytes);
    if (maxConcurrentJobs <= 0) throw new InvalidInputException("max concurrent jobs must be positive, got " + maxConcurrentJobs);
    if (maxStreams <= 0) throw new InvalidInputException("max streams must be positive, got " + maxStreams);
    requirePositive(requestTimeout, "request timeout");
    requirePositive(shutdownGrace, "shutdown grace");
  }

  /** Loopback on port 8080, 25 MB uploads, 8 jobs, 32 streams, 60 s timeout, 30 s grace. */
  public static ServerSettings defaults() {
    return new ServerSettings("127.0.0.1", 8080, 25L << 20, 8, 32, Duration.ofSeconds(60), Duration.ofSeconds(30));
  }

  public ServerSettings withHost(String value) {
    return new ServerSettings(value, port, maxBodyBytes, maxConcurrentJobs, maxStreams, requestTimeout, shutdownGrace);
  }

  public ServerSettings withPort(int value) {
    return new ServerSettings(host, value, maxBodyBytes, maxConcurrentJobs, maxStreams, requestTimeout, shutdownGrace);
  }

  public ServerSettings withMaxBodyBytes(long value) {
    return new ServerSettings(host, port, value, maxConcurrentJobs, maxStreams, requestTimeout, shutdownGrace);
  }

  public ServerSettings withMaxConcurrentJobs(int value) {
    return new ServerSettings(host, port, maxBodyBytes, value, maxStreams, requestTimeout, shutdownGrace);
  }

  public ServerSettings withMaxStreams(int value) {
    return new ServerSettings(host, port, maxBodyBytes, maxConcurrentJobs, value, requestTimeout, shutdownGrace);
  }

  public ServerSettings withRequestTimeout(Duration value) {
    return new ServerSettings(host, port, maxBodyBytes, maxConcurrentJobs, maxStreams, value, shutdownGrace);
  }

  public ServerSettings withShutdownGrace(Duration value) {
    return new ServerSettings(host, port, maxBodyBytes, maxConcurrentJobs, maxStreams, requestTimeout, value);
  }

  private static void requirePositive(Duration d, String what) {
    if (d == null || d.isNegative() || d.isZero()) throw new InvalidInputException(what + " must be positive, got " + d);
  }
}

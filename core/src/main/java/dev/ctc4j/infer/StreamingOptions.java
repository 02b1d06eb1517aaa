package dev.ctc4j.infer;

import dev.ctc4j.InvalidInputException;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link StreamingRecognizer}.
 *
 * @param chunk audio gathered before the model runs: the compute granularity (a unidirectional
 *     model then carries its state on; a bidirectional one computes a window of this much new audio)
 * @param lookahead bidirectional models only: future audio each chunk's window includes (and waits for)
 * @param leftContext bidirectional models only: past audio each chunk's window includes
 * @param endpointSilence a segment ends (final result) after speech followed by this much
 *     non-speech (frames whose most probable class is blank or the word separator); zero disables
 * @param maxSegment a segment longer than this is finalised anyway
 * @param partials whether {@code accept} reports partial results (when the partial text changes)
 */
public record StreamingOptions(Duration chunk, Duration lookahead, Duration leftContext, Duration endpointSilence,
    Duration maxSegment, boolean partials) {
  public StreamingOptions {
    Objects.requireNonNull(chunk, "chunk");
    Objects.requireNonNull(lookahead, "lookahead");
    Objects.requireNonNull(leftContext, "leftContext");
    Objects.requireNonNull(endpointSilence, "endpointSilence");
    Objects.requireNonNull(maxSegment, "maxSegment");
    if (chunk.isNegative() || chunk.isZero()) throw new InvalidInputException("chunk must be positive, got " + chunk);
    if (lookahead.isNegative() || leftContext.isNegative() || endpointSilence.isNegative()) {
      throw new InvalidInputException("negative lookahead, left context or endpoint silence");
    }
    if (maxSegment.compareTo(chunk) < 0) throw new InvalidInputException("max segment " + maxSegment + " < chunk " + chunk);
  }

  /** 320 ms chunks, 320 ms lookahead and 1.6 s left context (bidirectional), 800 ms endpoint silence, 20 s segments, partials. */
  public static StreamingOptions defaults() {
    return new StreamingOptions(Duration.ofMillis(320), Duration.ofMillis(320), Duration.ofMillis(1600),
        Duration.ofMillis(800), Duration.ofSeconds(20), true);
  }

  public StreamingOptions withChunk(Duration v) {
    return new StreamingOptions(v, lookahead, leftContext, endpointSilence, maxSegment, partials);
  }

  public StreamingOptions withLookahead(Duration v) {
    return new StreamingOptions(chunk, v, leftContext, endpointSilence, maxSegment, partials);
  }

  public StreamingOptions withLeftContext(Duration v) {
    return new StreamingOptions(chunk, lookahead, v, endpointSilence, maxSegment, partials);
  }

  public StreamingOptions withEndpointSilence(Duration v) {
    return new StreamingOptions(chunk, lookahead, leftContext, v, maxSegment, partials);
  }

  public StreamingOptions withMaxSegment(Duration v) {
    return new StreamingOptions(chunk, lookahead, leftContext, endpointSilence, v, partials);
  }

  public StreamingOptions withPartials(boolean v) {
    return new StreamingOptions(chunk, lookahead, leftContext, endpointSilence, maxSegment, v);
  }
}

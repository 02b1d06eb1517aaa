package dev.ctc4j.infer;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.tensor.Device;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything that shapes a {@link Transcriber} besides its model: one immutable value, built by
 * {@link Transcriber.Builder} and returned by {@link Transcriber#config()}, so it can be logged and
 * compared. Process-wide settings (native threads) are not here: they belong to {@link dev.ctc4j.Ctc4j}.
 *
 * @param device where a model loaded from a directory runs (a borrowed model stays where it is)
 * @param decoding how transcripts are decoded
 * @param maxBatch most requests per batched forward pass
 * @param gatherWindow how long the dispatcher waits for more requests after the first of a batch
 * @param chunkSeconds long audio is cut into chunks of this length ...
 * @param overlapSeconds ... overlapping by this much (under half a chunk) ...
 * @param pauseSeconds ... and wherever it pauses this long (0: never), each stretch a pass of its own
 */
public record TranscriberConfig(Device device, DecodingConfig decoding, int maxBatch, Duration gatherWindow,
    double chunkSeconds, double overlapSeconds, double pauseSeconds) {
  /** CPU, greedy, batches of up to 16 within 10 ms, 30 s chunks with 2 s overlap, cut at pauses of 0.5 s. */
  public static final TranscriberConfig DEFAULTS = new TranscriberConfig(Device.CPU, DecodingConfig.GREEDY, 16,
      Duration.ofMillis(10), 30, 2, 0.5);

  public TranscriberConfig {
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(decoding, "decoding");
    Objects.requireNonNull(gatherWindow, "gatherWindow");
    if (maxBatch < 1) throw new InvalidInputException("max batch must be at least 1, got " + maxBatch);
    if (gatherWindow.isNegative()) throw new InvalidInputException("negative gather window " + gatherWindow);
  }
}

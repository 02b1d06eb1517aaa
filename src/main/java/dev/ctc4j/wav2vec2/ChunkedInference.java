package dev.ctc4j.wav2vec2;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.decode.EmissionKind;
import dev.ctc4j.decode.Hypothesis;
import dev.ctc4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Long recordings through a {@link Wav2Vec2Model} in overlapping windows: each pass sees at most
 * {@code windowSeconds} of audio, consecutive windows share {@code 2 x overlapSeconds}, and every
 * output frame is taken from the window in which it lies farthest from a cut (a window's start or
 * end inside the recording). Windows start on frame boundaries, so a window's frames are frames
 * of the whole recording; the result has exactly the frames one pass would give.
 *
 * <p>What chunking changes: the feature encoder, the positional convolution and the per-frame
 * norms are local (their context, 400 samples and pos_conv_kernel / 2 frames, fits in an overlap of
 * 1.3 s), but self-attention and the first layer's group norm see the whole window, so frames match
 * a single pass exactly only in models without them, and approximately otherwise — as every
 * chunked transformer recogniser. Memory and time per pass are bounded by the window.
 *
 * <p>Thread-safe: it holds only the model and two sizes.
 */
public final class ChunkedInference {
  private final Wav2Vec2Model model;
  private final int window, overlap; // samples, multiples of the hop

  public ChunkedInference(Wav2Vec2Model model, double windowSeconds, double overlapSeconds) {
    Wav2Vec2Config c = model.config();
    int hop = c.hopSamples();
    if (!(windowSeconds > 0) || !(overlapSeconds >= 0) || Double.isInfinite(windowSeconds)) {
      throw new InvalidInputException("window " + windowSeconds + " s and overlap " + overlapSeconds
          + " s must be positive and finite");
    }
    this.model = model;
    this.window = (int) Math.min(Integer.MAX_VALUE / 2, Math.floor(windowSeconds * c.sampleRate() / hop)) * hop;
    this.overlap = (int) Math.ceil(overlapSeconds * c.sampleRate() / hop) * hop;
    if (window - 2 * overlap < hop || window < c.receptiveField() + hop) {
      throw new InvalidInputException("a window of " + windowSeconds + " s must exceed twice the overlap ("
          + overlapSeconds + " s) by a frame and hold the " + c.receptiveField() + "-sample receptive field");
    }
    if ((long) c.outputFrames(window) * hop < window - 2L * overlap) {
      throw new InvalidInputException("an overlap of " + overlapSeconds + " s leaves frames that straddle a cut in "
          + "no window: use at least " + (c.receptiveField() - hop) / 2.0 / c.sampleRate() + " s");
    }
  }

  /** Logits [1, frames, classes] with the frames of a single pass, computed a window at a time. */
  public Tensor logits(float[] waveform) {
    if (waveform == null || waveform.length <= window) return model.logits(waveform);
    Wav2Vec2Config c = model.config();
    int hop = c.hopSamples(), classes = c.classes(), frames = c.outputFrames(waveform.length);
    List<Integer> starts = starts(waveform.length);
    float[] out = new float[Math.multiplyExact(frames, classes)];
    int from = 0;
    for (int i = 0; i < starts.size(); i++) {
      int start = starts.get(i), end = Math.min(waveform.length, start + window);
      int first = start / hop;
      // Frames up to the midpoint between this window's cut and the next one's come from this window.
      int until = i + 1 < starts.size() ? (first + c.outputFrames(end - start) + starts.get(i + 1) / hop) / 2 : frames;
      try (Tensor part = model.logits(Arrays.copyOfRange(waveform, start, end))) {
        float[] values = part.toFloatArray();
        System.arraycopy(values, (from - first) * classes, out, from * classes, (until - from) * classes);
      }
      from = until;
    }
    return Tensor.of(model.device(), out, 1, frames, classes);
  }

  public Tensor logProbs(float[] waveform) {
    return Wav2Vec2Model.logSoftmax(logits(waveform));
  }

  public Hypothesis transcribe(float[] waveform) {
    try (Tensor logProbs = logProbs(waveform)) {
      return model.greedyDecoder().decode(logProbs, new long[] {logProbs.dim(1)}, EmissionKind.LOG_PROBS).get(0);
    }
  }

  /** Window starts: every window - 2 overlap samples, the last one ending with the recording. */
  List<Integer> starts(int samples) {
    int hop = model.config().hopSamples();
    List<Integer> starts = new ArrayList<>();
    int start = 0;
    for (; start + window < samples; start += window - 2 * overlap) starts.add(start);
    int last = (samples - window + hop - 1) / hop * hop; // ends at the recording's end, at most a window long
    starts.add(Math.max(last, starts.isEmpty() ? 0 : starts.get(starts.size() - 1) + hop));
    return starts;
  }
}

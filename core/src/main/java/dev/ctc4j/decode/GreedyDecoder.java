package dev.ctc4j.decode;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.DecodeNative;
import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.tensor.Tensor;
import java.util.List;
import org.bytedeco.javacpp.LongPointer;

/**
 * Greedy (best-path) CTC decoding: the most probable class per frame, repeats collapsed, blanks
 * dropped; batched, on the device that holds the emissions (CPU or CUDA). Each token spans its run
 * of frames in the best path.
 *
 * <p>Immutable and thread-safe.
 */
public final class GreedyDecoder {
  private final Labels labels;
  private final double frameSeconds;

  /** @param frameSeconds the time between frames, for timestamps in seconds */
  public GreedyDecoder(Labels labels, double frameSeconds) {
    if (!(frameSeconds > 0) || Double.isInfinite(frameSeconds)) {
      throw new InvalidInputException("frame duration must be positive, got " + frameSeconds);
    }
    this.labels = labels;
    this.frameSeconds = frameSeconds;
  }

  /** One utterance [frames][classes] on the CPU. */
  public Hypothesis decode(float[][] utterance, EmissionKind kind) {
    try (Tensor t = DecodeOutput.single(utterance, labels.size())) {
      return decode(t, new long[] {utterance.length}, kind).get(0);
    }
  }

  /** A batch [batch, max frames, classes] on any device; utterance b's first lengths[b] frames count. */
  public List<Hypothesis> decode(Tensor emissions, long[] lengths, EmissionKind kind) {
    DecodeOutput.check(emissions, lengths, labels);
    int batch = lengths.length;
    if (batch == 0) return List.of();
    long frames = emissions.dim(1);
    try (DecodeOutput out = new DecodeOutput(batch, 1, frames); LongPointer lens = new LongPointer(lengths);
        DecodeNative.Emissions in = DecodeOutput.emissions(emissions, lens, batch, kind);
        DecodeNative.Hypotheses hypotheses = out.describe()) {
      NativeStatus.check(DecodeNative.ctc4j_decode_greedy(emissions.device().nativeId(), in, labels.blank(), hypotheses),
          "greedy decode");
      return out.read(labels, frameSeconds, false).stream().map(h -> h.get(0)).toList();
    }
  }
}

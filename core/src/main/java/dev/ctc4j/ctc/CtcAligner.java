package dev.ctc4j.ctc;

import dev.ctc4j.bridge.CtcNative;
import dev.ctc4j.bridge.NativeStatus;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * Aligns label sequences to log-probabilities ([T, N, C] or [N, T, C], see {@link CtcLayout}):
 * soft alignment (per-frame posteriors from alpha and beta) and Viterbi forced alignment. Runs on
 * the CPU; log-probabilities on a CUDA device are copied to the host first. An utterance too short
 * for its targets is an {@link dev.ctc4j.InvalidInputException}.
 *
 * <p>Immutable and thread-safe.
 */
public final class CtcAligner {
  private final int blank;
  private final CtcLayout layout;

  public CtcAligner(int blank, CtcLayout layout) {
    this.blank = blank;
    this.layout = layout;
  }

  public List<SoftAlignment> softAlign(Tensor logProbs, long[] inputLengths, CtcTargets targets) {
    Tensor copy = hostCopy(logProbs);
    try (copy; NativeBatch batch = new NativeBatch(copy != null ? copy : logProbs, layout, inputLengths, targets, blank)) {
      int positions = Math.toIntExact(2 * targets.longest() + 1);
      long size = (long) batch.batch * batch.maxTime * positions;
      try (FloatPointer posteriors = new FloatPointer(Math.max(1, size));
          DoublePointer likelihoods = new DoublePointer(Math.max(1, batch.batch));
          CtcNative.CtcBatch described = batch.describe()) {
        NativeStatus.check(CtcNative.ctc4j_ctc_posteriors(described, posteriors, positions, likelihoods),
            "CTC soft alignment");
        List<SoftAlignment> out = new ArrayList<>(batch.batch);
        for (int b = 0; b < batch.batch; b++) {
          int[] labels = targets.labels(b);
          float[][] rows = new float[(int) inputLengths[b]][2 * labels.length + 1];
          for (int t = 0; t < rows.length; t++) {
            posteriors.position(((long) b * batch.maxTime + t) * positions).get(rows[t]);
          }
          out.add(new SoftAlignment(labels, rows, likelihoods.get(b)));
        }
        return out;
      }
    }
  }

  public List<ForcedAlignment> forcedAlign(Tensor logProbs, long[] inputLengths, CtcTargets targets) {
    Tensor copy = hostCopy(logProbs);
    try (copy; NativeBatch batch = new NativeBatch(copy != null ? copy : logProbs, layout, inputLengths, targets, blank)) {
      try (IntPointer states = new IntPointer(Math.max(1, (long) batch.batch * batch.maxTime));
          DoublePointer scores = new DoublePointer(Math.max(1, batch.batch));
          CtcNative.CtcBatch described = batch.describe()) {
        NativeStatus.check(CtcNative.ctc4j_ctc_viterbi(described, states, scores), "CTC forced alignment");
        List<ForcedAlignment> out = new ArrayList<>(batch.batch);
        for (int b = 0; b < batch.batch; b++) {
          int[] path = new int[(int) inputLengths[b]];
          states.position((long) b * batch.maxTime).get(path);
          out.add(new ForcedAlignment(targets.labels(b), path, scores.get(b)));
        }
        return out;
      }
    }
  }

  /** A host copy of CUDA inputs; null for inputs already on the CPU. */
  private static Tensor hostCopy(Tensor t) {
    return t.device().isCuda() ? t.to(Device.CPU) : null;
  }
}

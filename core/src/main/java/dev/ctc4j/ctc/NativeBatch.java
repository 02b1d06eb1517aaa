package dev.ctc4j.ctc;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.bridge.CtcNative;
import dev.ctc4j.tensor.DType;
import dev.ctc4j.tensor.Tensor;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;

/**
 * A batch whose shapes agree, with the host arrays the native CTC API reads (label values and
 * lengths are checked there). Close it to free those arrays; the scores tensor stays the caller's.
 */
final class NativeBatch implements AutoCloseable {
  final Tensor scores;
  final int layout;
  final int maxTime;
  final int batch;
  final int alphabet;
  final int blank;
  final long targetsSize;
  final LongPointer inputLengths;
  final IntPointer targets;
  final LongPointer targetOffsets;
  final LongPointer targetLengths;

  NativeBatch(Tensor scores, CtcLayout layout, long[] inputLengths, CtcTargets targets, int blank) {
    if (scores.rank() != 3 || scores.dtype() != DType.F32) {
      throw new InvalidInputException("CTC scores must be a float32 rank-3 tensor, got " + scores);
    }
    boolean timeMajor = layout == CtcLayout.TIME_MAJOR;
    long time = scores.dim(timeMajor ? 0 : 1), n = scores.dim(timeMajor ? 1 : 0), classes = scores.dim(2);
    String shape = timeMajor ? "[T, N, C]" : "[N, T, C]";
    if (inputLengths.length != n || targets.batch() != n) {
      throw new InvalidInputException(scores + " read as " + shape + " holds " + n + " utterances, but "
          + inputLengths.length + " input lengths and " + targets.batch() + " target sequences were given");
    }
    if (time > Integer.MAX_VALUE || n > Integer.MAX_VALUE || classes > Integer.MAX_VALUE) {
      throw new InvalidInputException(scores + " is too large for CTC");
    }
    this.scores = scores;
    this.layout = timeMajor ? CtcNative.TIME_MAJOR : CtcNative.BATCH_MAJOR;
    this.maxTime = (int) time;
    this.batch = (int) n;
    this.alphabet = (int) classes;
    this.blank = blank;
    this.targetsSize = targets.values().length;
    this.inputLengths = new LongPointer(inputLengths);
    this.targets = new IntPointer(targets.values());
    this.targetOffsets = new LongPointer(targets.offsets());
    this.targetLengths = new LongPointer(targets.lengths());
  }

  FloatPointer inputs() {
    return new FloatPointer(scores.data());
  }

  /** The native description of this batch (ctc4j_ctc_batch); close it after the call. */
  CtcNative.CtcBatch describe() {
    return CtcNative.ctc4j_ctc_default_batch().inputs(inputs()).layout(layout).max_time(maxTime).batch(batch)
        .alphabet(alphabet).input_lengths(inputLengths).targets(targets).target_offsets(targetOffsets)
        .target_lengths(targetLengths).targets_size(targetsSize).blank(blank);
  }

  @Override
  public void close() {
    inputLengths.close();
    targets.close();
    targetOffsets.close();
    targetLengths.close();
  }
}

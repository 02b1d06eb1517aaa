package dev.ctc4j.ctc;

import dev.ctc4j.InvalidInputException;
import java.util.Arrays;

/**
 * The label sequences of a batch, padded [N, S] or concatenated, as torch.nn.functional.ctc_loss
 * accepts them. Immutable; label values are checked against the alphabet when used.
 */
public final class CtcTargets {
  private final int[] values;
  private final long[] offsets;
  private final long[] lengths;

  private CtcTargets(int[] values, long[] offsets, long[] lengths) {
    this.values = values;
    this.offsets = offsets;
    this.lengths = lengths;
  }

  /** Row b of {@code values} ([N, maxLength], row-major) holds utterance b's lengths[b] labels. */
  public static CtcTargets padded(int[] values, int maxLength, long[] lengths) {
    if (maxLength < 0 || (long) maxLength * lengths.length != values.length) {
      throw new InvalidInputException("padded targets of " + values.length + " values are not [" + lengths.length
          + ", " + maxLength + "]");
    }
    long[] offsets = new long[lengths.length];
    for (int b = 0; b < lengths.length; b++) {
      offsets[b] = (long) b * maxLength;
      if (lengths[b] < 0 || lengths[b] > maxLength) {
        throw new InvalidInputException("utterance " + b + ": target length " + lengths[b] + " outside [0, "
            + maxLength + "]");
      }
    }
    return new CtcTargets(values.clone(), offsets, lengths.clone());
  }

  /** Utterance after utterance, lengths[b] labels each; the lengths add up to values.length. */
  public static CtcTargets concatenated(int[] values, long[] lengths) {
    long[] offsets = new long[lengths.length];
    long next = 0;
    for (int b = 0; b < lengths.length; b++) {
      if (lengths[b] < 0) throw new InvalidInputException("utterance " + b + ": negative target length " + lengths[b]);
      offsets[b] = next;
      next += lengths[b];
    }
    if (next != values.length) {
      throw new InvalidInputException("target lengths add up to " + next + " but " + values.length + " labels were given");
    }
    return new CtcTargets(values.clone(), offsets, lengths.clone());
  }

  /** One label array per utterance. */
  public static CtcTargets of(int[]... utterances) {
    long[] lengths = Arrays.stream(utterances).mapToLong(u -> u.length).toArray();
    return concatenated(Arrays.stream(utterances).flatMapToInt(Arrays::stream).toArray(), lengths);
  }

  public int batch() {
    return lengths.length;
  }

  public long length(int utterance) {
    return lengths[utterance];
  }

  /** Utterance b's labels. */
  public int[] labels(int utterance) {
    int from = Math.toIntExact(offsets[utterance]);
    return Arrays.copyOfRange(values, from, from + Math.toIntExact(lengths[utterance]));
  }

  long longest() {
    return Arrays.stream(lengths).max().orElse(0);
  }

  int[] values() {
    return values;
  }

  long[] offsets() {
    return offsets;
  }

  long[] lengths() {
    return lengths;
  }
}

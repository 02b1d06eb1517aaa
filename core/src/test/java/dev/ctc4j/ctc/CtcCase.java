package dev.ctc4j.ctc;

import dev.ctc4j.testing.Seeds;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * One random CTC batch: scores in float32 (log-probabilities, or activations for the fused path)
 * laid out per {@code layout}, lengths, and targets in padded or concatenated form.
 */
final class CtcCase {
  final int time, batch, classes, blank;
  final CtcLayout layout;
  final boolean padded;
  final float[] scores;
  final long[] inputLengths;
  final int[][] labels;

  CtcCase(int time, int batch, int classes, int blank, CtcLayout layout, boolean padded, float[] scores,
      long[] inputLengths, int[][] labels) {
    this.time = time;
    this.batch = batch;
    this.classes = classes;
    this.blank = blank;
    this.layout = layout;
    this.padded = padded;
    this.scores = scores;
    this.inputLengths = inputLengths;
    this.labels = labels;
  }

  /**
   * Random batch: input lengths in [time/2, time] (the first is time), target lengths up to
   * maxTarget, labels from {@code distinct} classes (few distinct classes force repeats), scores
   * as log-softmax of N(0, 2) activations unless {@code activations}.
   */
  static CtcCase random(SplittableRandom rng, int time, int batch, int classes, int maxTarget, int distinct,
      int blank, CtcLayout layout, boolean padded, boolean activations) {
    long[] inputLengths = new long[batch];
    int[][] labels = new int[batch][];
    int[] pool = rng.ints(0, classes).filter(c -> c != blank).distinct().limit(Math.min(distinct, classes - 1)).toArray();
    for (int b = 0; b < batch; b++) {
      inputLengths[b] = b == 0 ? time : time / 2 + rng.nextInt(time - time / 2 + 1);
      labels[b] = new int[rng.nextInt(maxTarget + 1)];
      for (int i = 0; i < labels[b].length; i++) labels[b][i] = pool[rng.nextInt(pool.length)];
    }
    float[] scores = Seeds.gaussian(rng, time * batch * classes, 2.0);
    if (!activations) logSoftmaxRows(scores, classes);
    return new CtcCase(time, batch, classes, blank, layout, padded, scores, inputLengths, labels);
  }

  static void logSoftmaxRows(float[] x, int classes) {
    for (int r = 0; r < x.length / classes; r++) {
      double max = Double.NEGATIVE_INFINITY, sum = 0;
      for (int c = 0; c < classes; c++) max = Math.max(max, x[r * classes + c]);
      for (int c = 0; c < classes; c++) sum += Math.exp(x[r * classes + c] - max);
      double shift = max + Math.log(sum);
      for (int c = 0; c < classes; c++) x[r * classes + c] = (float) (x[r * classes + c] - shift);
    }
  }

  long[] shape() {
    return layout == CtcLayout.TIME_MAJOR ? new long[] {time, batch, classes} : new long[] {batch, time, classes};
  }

  int index(int t, int b, int c) {
    return layout == CtcLayout.TIME_MAJOR ? (t * batch + b) * classes + c : (b * time + t) * classes + c;
  }

  long[] targetLengths() {
    return Arrays.stream(labels).mapToLong(l -> l.length).toArray();
  }

  int maxTarget() {
    return Arrays.stream(labels).mapToInt(l -> l.length).max().orElse(0);
  }

  /** Targets padded with blank-free filler (class 1 or 0 outside the lengths), or concatenated. */
  long[] flatTargets() {
    if (!padded) return Arrays.stream(labels).flatMapToInt(Arrays::stream).asLongStream().toArray();
    int s = maxTarget();
    long[] out = new long[batch * s];
    for (int b = 0; b < batch; b++) for (int i = 0; i < labels[b].length; i++) out[b * s + i] = labels[b][i];
    return out;
  }

  CtcTargets targets() {
    int[] flat = Arrays.stream(flatTargets()).mapToInt(v -> (int) v).toArray();
    return padded ? CtcTargets.padded(flat, maxTarget(), targetLengths()) : CtcTargets.concatenated(flat, targetLengths());
  }

  /** Utterance b's frames [frames][classes] as doubles. */
  double[][] utterance(int b) {
    double[][] out = new double[(int) inputLengths[b]][classes];
    for (int t = 0; t < out.length; t++) for (int c = 0; c < classes; c++) out[t][c] = scores[index(t, b, c)];
    return out;
  }

  @Override
  public String toString() {
    return "T=" + time + " N=" + batch + " C=" + classes + " blank=" + blank + " " + layout + (padded ? " padded" : " concatenated")
        + " inputLengths=" + Arrays.toString(inputLengths) + " targetLengths=" + Arrays.toString(targetLengths());
  }
}

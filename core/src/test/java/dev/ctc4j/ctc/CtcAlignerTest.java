package dev.ctc4j.ctc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.decode.Labels;
import dev.ctc4j.decode.TokenSpan;
import dev.ctc4j.decode.WordSpan;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import dev.ctc4j.testing.Seeds;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Soft and Viterbi alignment against brute force (every frame-level path of tiny cases enumerated)
 * and against libtorch's gradient, whose class sums of the posteriors are exp(lp) - gradient.
 * Tolerance 1e-4 absolute on posteriors and relative on log-probabilities.
 */
class CtcAlignerTest {
  static final double TOL = 1e-4;

  @Test
  void softAndViterbiAlignmentsMatchBruteForce() {
    SplittableRandom rng = Seeds.random("CtcAlignerTest.softAndViterbiAlignmentsMatchBruteForce");
    for (int trial = 0; trial < 12; trial++) {
      int classes = 2 + rng.nextInt(3), blank = rng.nextInt(classes);
      CtcLayout layout = rng.nextBoolean() ? CtcLayout.TIME_MAJOR : CtcLayout.BATCH_MAJOR;
      CtcCase c = CtcCase.random(rng, 3 + rng.nextInt(5), 2, classes, 3, classes - 1, blank, layout, false, false);
      c = feasibleOnly(c);
      CtcAligner aligner = new CtcAligner(blank, layout);
      try (Tensor lp = Tensor.of(Device.CPU, c.scores, c.shape())) {
        List<SoftAlignment> soft = aligner.softAlign(lp, c.inputLengths, c.targets());
        List<ForcedAlignment> hard = aligner.forcedAlign(lp, c.inputLengths, c.targets());
        for (int b = 0; b < c.batch; b++) {
          BruteForce brute = BruteForce.of(c.utterance(b), c.labels[b], blank);
          String what = c + " utterance " + b;
          assertEquals(brute.logLikelihood, soft.get(b).logLikelihood(), TOL * Math.max(1, Math.abs(brute.logLikelihood)), what);
          float[][] post = soft.get(b).posteriors();
          for (int t = 0; t < post.length; t++) {
            double sum = 0;
            for (int s = 0; s < post[t].length; s++) {
              assertEquals(brute.posteriors[t][s], post[t][s], TOL, what + " posterior " + t + "," + s);
              sum += post[t][s];
            }
            assertEquals(1.0, sum, 1e-5, what + " row " + t + " sums to 1");
          }
          ForcedAlignment path = hard.get(b);
          assertEquals(brute.bestLogProb, path.logProbability(), TOL * Math.max(1, Math.abs(brute.bestLogProb)), what + " best path");
          assertValidPath(path, c.labels[b].length);
          assertEquals(pathLogProb(c.utterance(b), path, blank), path.logProbability(), 1e-9, what + " path score");
        }
      }
    }
  }

  @Test
  void posteriorClassSumsEqualLibtorchGradientRelation() {
    SplittableRandom rng = Seeds.random("CtcAlignerTest.posteriorClassSumsEqualLibtorchGradientRelation");
    CtcCase c = feasibleOnly(CtcCase.random(rng, 60, 4, 15, 20, 6, 2, CtcLayout.TIME_MAJOR, true, false));
    TorchCtc.Result ref = TorchCtc.compute(c, Reduction.SUM, false, false);
    try (Tensor lp = Tensor.of(Device.CPU, c.scores, c.shape())) {
      List<SoftAlignment> soft = new CtcAligner(2, CtcLayout.TIME_MAJOR).softAlign(lp, c.inputLengths, c.targets());
      for (int b = 0; b < c.batch; b++) {
        float[][] post = soft.get(b).posteriors();
        for (int t = 0; t < post.length; t++) {
          double[] mass = new double[c.classes];
          for (int s = 0; s < post[t].length; s++) mass[s % 2 == 0 ? 2 : c.labels[b][s / 2]] += post[t][s];
          for (int k = 0; k < c.classes; k++) {
            int i = c.index(t, b, k);
            assertEquals(Math.exp(c.scores[i]) - ref.gradient()[i], mass[k], TOL, "utterance " + b + " frame " + t + " class " + k);
          }
        }
      }
    }
  }

  @Test
  void tokenAndWordSpansFollowTheBestPath() {
    // Frames: blank, 1, 1, blank, 2, sep, 3, 3, blank, 1: the path is forced by near-certain scores.
    int[] emitted = {0, 1, 1, 0, 2, 4, 3, 3, 0, 1};
    int classes = 5;
    float[] lp = new float[emitted.length * classes];
    for (int t = 0; t < emitted.length; t++) {
      for (int k = 0; k < classes; k++) lp[t * classes + k] = k == emitted[t] ? -0.01f : -6f;
    }
    int[] targets = {1, 2, 4, 3, 1};
    try (Tensor x = Tensor.of(Device.CPU, lp, emitted.length, 1, classes)) {
      ForcedAlignment a = new CtcAligner(0, CtcLayout.TIME_MAJOR)
          .forcedAlign(x, new long[] {emitted.length}, CtcTargets.of(targets)).get(0);
      for (int t = 0; t < emitted.length; t++) assertEquals(emitted[t], a.label(t, 0), "frame " + t);
      Labels labels = new Labels(List.of("_", "a", "b", "c", " "), 0, 4);
      List<TokenSpan> tokens = a.tokens(labels, 0.01);
      int[][] spans = {{1, 3}, {4, 5}, {5, 6}, {6, 8}, {9, 10}};
      for (int i = 0; i < spans.length; i++) {
        TokenSpan s = tokens.get(i);
        assertEquals(List.of(targets[i], spans[i][0], spans[i][1]), List.of(s.token(), s.startFrame(), s.endFrame()));
        assertEquals(labels.text(targets[i]), s.text());
        assertTrue(Float.isNaN(s.confidence()), "a forced path has no posterior");
      }
      assertEquals(List.of("ab", "ca"), a.words(labels, 0.01).stream().map(WordSpan::word).toList());
      assertEquals(List.of(List.of(1, 5), List.of(6, 10)), frames(a.words(labels, 0.01)), "end frames are exclusive");
      assertEquals(List.of(List.of(1, 6), List.of(6, 10)), frames(a.words(new int[] {3, 2}, labels, 0.01)));
      assertEquals(0.06, tokens.get(3).startSeconds(), 1e-12);
      assertEquals(0.08, tokens.get(3).endSeconds(), 1e-12);
      CtcLossTest.expect("words cover 3 of the 5", () -> a.words(new int[] {3}, labels, 0.01));
    }
  }

  @Test
  void rejectsInfeasibleAndBadInput() {
    float[] lp = new float[4 * 1 * 3];
    CtcCase.logSoftmaxRows(lp, 3);
    CtcAligner aligner = new CtcAligner(0, CtcLayout.TIME_MAJOR);
    try (Tensor x = Tensor.of(Device.CPU, lp, 4, 1, 3)) {
      CtcLossTest.expect("utterance 0: no alignment of 3 labels fits in 4 frames",
          () -> aligner.forcedAlign(x, new long[] {4}, CtcTargets.of(new int[] {1, 1, 1})));
      CtcLossTest.expect("utterance 0: no alignment of 3 labels fits in 4 frames",
          () -> aligner.softAlign(x, new long[] {4}, CtcTargets.of(new int[] {1, 1, 1})));
      CtcLossTest.expect("utterance 0: target 1 is 0, the blank",
          () -> aligner.forcedAlign(x, new long[] {4}, CtcTargets.of(new int[] {1, 0})));
      CtcLossTest.expect("utterance 0: input length 9", () -> aligner.softAlign(x, new long[] {9}, CtcTargets.of(new int[] {1})));
    }
    lp[5] = Float.NaN;
    try (Tensor x = Tensor.of(Device.CPU, lp, 4, 1, 3)) {
      CtcLossTest.expect("utterance 0: log-probability at frame 1, class 2 is NaN",
          () -> aligner.forcedAlign(x, new long[] {4}, CtcTargets.of(new int[] {1})));
    }
  }

  /** Drops nothing but shortens targets that cannot fit their utterance. */
  private static CtcCase feasibleOnly(CtcCase c) {
    int[][] labels = new int[c.batch][];
    for (int b = 0; b < c.batch; b++) {
      int[] l = c.labels[b];
      int n = l.length;
      while (n > 0 && BruteForce.minFrames(java.util.Arrays.copyOf(l, n)) > c.inputLengths[b]) n--;
      labels[b] = java.util.Arrays.copyOf(l, n);
    }
    return new CtcCase(c.time, c.batch, c.classes, c.blank, c.layout, c.padded, c.scores, c.inputLengths, labels);
  }

  private static void assertValidPath(ForcedAlignment a, int targetLength) {
    int[] s = a.states();
    assertTrue(s[0] == 0 || s[0] == 1, "starts at the first blank or label");
    int last = 2 * targetLength;
    assertTrue(s[s.length - 1] == last || s[s.length - 1] == last - 1, "ends at the last label or blank");
    for (int t = 1; t < s.length; t++) {
      int step = s[t] - s[t - 1];
      boolean skip = step == 2 && s[t] % 2 == 1 && a.targets()[s[t] / 2] != a.targets()[s[t] / 2 - 1];
      assertTrue(step == 0 || step == 1 || skip, "valid transition " + s[t - 1] + " -> " + s[t]);
    }
  }

  private static double pathLogProb(double[][] lp, ForcedAlignment a, int blank) {
    double sum = 0;
    for (int t = 0; t < lp.length; t++) sum += lp[t][a.label(t, blank)];
    return sum;
  }

  private static List<List<Integer>> frames(List<WordSpan> words) {
    return words.stream().map(w -> List.of(w.startFrame(), w.endFrame())).toList();
  }
}

package dev.ctc4j.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.testing.Gpu;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class GreedyDecoderTest {
  private static final Labels LABELS = Labels.english();

  /** Best path by hand: argmax per frame, then runs of equal non-blank classes become tokens. */
  private static int[][] bestPathRuns(float[][] lp) {
    List<int[]> runs = new ArrayList<>(); // {token, start, end}
    int previous = -1;
    for (int t = 0; t < lp.length; t++) {
      int arg = 0;
      for (int c = 1; c < lp[t].length; c++) if (lp[t][c] > lp[t][arg]) arg = c;
      if (arg != 0 && arg == previous) runs.get(runs.size() - 1)[2] = t;
      else if (arg != 0) runs.add(new int[] {arg, t, t});
      previous = arg;
    }
    return runs.toArray(int[][]::new);
  }

  @Test
  void collapsesTheBestPathWithExactFrames() {
    SplittableRandom rng = Seeds.random("collapsesTheBestPathWithExactFrames");
    GreedyDecoder decoder = new GreedyDecoder(LABELS, 0.02);
    for (int trial = 0; trial < 20; trial++) {
      float[][] lp = CtcOracle.randomLogProbs(rng, rng.nextInt(60), LABELS.size(), 2);
      Hypothesis h = decoder.decode(lp, EmissionKind.LOG_PROBS);
      int[][] runs = bestPathRuns(lp);
      assertEquals(runs.length, h.tokens().size());
      double pathScore = 0;
      for (float[] row : lp) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : row) max = Math.max(max, v);
        pathScore += max;
      }
      assertEquals(pathScore, h.acousticScore(), 1e-4);
      for (int i = 0; i < runs.length; i++) {
        TokenSpan s = h.tokens().get(i);
        assertArrayEquals(runs[i], new int[] {s.token(), s.startFrame(), s.endFrame() - 1}, "end exclusive");
        double mean = 0;
        for (int t = runs[i][1]; t <= runs[i][2]; t++) mean += Math.exp(lp[t][runs[i][0]]);
        assertEquals(mean / (runs[i][2] - runs[i][1] + 1), s.confidence(), 1e-6);
      }
    }
  }

  @Test
  void rejectsBadInput() {
    GreedyDecoder decoder = new GreedyDecoder(LABELS, 0.02);
    float[][] inf = new float[2][LABELS.size()];
    inf[0][0] = Float.POSITIVE_INFINITY;
    assertThrows(InvalidInputException.class, () -> decoder.decode(inf, EmissionKind.LOG_PROBS));
    assertThrows(InvalidInputException.class, () -> new GreedyDecoder(LABELS, 0));
  }

  @Test
  @Tag("gpu")
  void cudaEqualsCpu() {
    Device gpu = Gpu.require();
    SplittableRandom rng = Seeds.random("cudaEqualsCpu");
    int batch = 8, frames = 100;
    float[] flat = new float[batch * frames * LABELS.size()];
    long[] lengths = new long[batch];
    for (int b = 0; b < batch; b++) {
      lengths[b] = rng.nextInt(frames + 1);
      float[][] lp = CtcOracle.randomLogProbs(rng, frames, LABELS.size(), 2);
      for (int t = 0; t < frames; t++) System.arraycopy(lp[t], 0, flat, (b * frames + t) * LABELS.size(), LABELS.size());
    }
    GreedyDecoder decoder = new GreedyDecoder(LABELS, 0.02);
    try (Tensor cpu = Tensor.of(Device.CPU, flat, batch, frames, LABELS.size()); Tensor cuda = cpu.to(gpu)) {
      List<Hypothesis> expected = decoder.decode(cpu, lengths, EmissionKind.LOG_PROBS);
      List<Hypothesis> actual = decoder.decode(cuda, lengths, EmissionKind.LOG_PROBS);
      for (int b = 0; b < batch; b++) {
        assertEquals(expected.get(b).tokens(), actual.get(b).tokens());
        assertEquals(expected.get(b).acousticScore(), actual.get(b).acousticScore(), 1e-4);
      }
    }
  }
}

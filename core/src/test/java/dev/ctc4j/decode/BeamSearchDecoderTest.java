package dev.ctc4j.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.lm.NgramLanguageModel;
import dev.ctc4j.lm.TestArpa;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.tensor.Device;
import dev.ctc4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BeamSearchDecoderTest {
  // Native scores are float32 sums over a few frames: within 1e-4 of the double references.
  private static final double TOLERANCE = 1e-4;
  private static final Labels AB = new Labels(List.of("_", "a", "b"), 0, -1);
  private static final Labels WORDS = new Labels(List.of("_", " ", "a", "b"), 0, 1);

  @TempDir Path dir;

  @Test
  void wideBeamFindsTheMostProbableLabelingByEnumeration() {
    SplittableRandom rng = Seeds.random("wideBeamFindsTheMostProbableLabelingByEnumeration");
    BeamSearchOptions options = BeamSearchOptions.builder().beamWidth(64).nBest(5).build();
    try (BeamSearchDecoder decoder = new BeamSearchDecoder(AB, options, 0.02)) {
      for (int trial = 0; trial < 20; trial++) {
        float[][] lp = CtcOracle.randomLogProbs(rng, 1 + rng.nextInt(5), 3, rng.nextDouble() * 3);
        List<Hypothesis> found = decoder.decode(lp, EmissionKind.LOG_PROBS);
        double best = Double.NEGATIVE_INFINITY;
        for (int[] y : CtcOracle.allSequences(3, 0, lp.length)) best = Math.max(best, CtcOracle.logProb(lp, y, 0));
        assertEquals(best, found.get(0).acousticScore(), TOLERANCE, "best hypothesis of trial " + trial);
        for (Hypothesis h : found) {
          // every prefix stays in a 64-wide beam, so each score is the exact sum over alignments
          assertEquals(CtcOracle.logProb(lp, h.tokenIds(), 0), h.acousticScore(), TOLERANCE, h.text());
          assertEquals(h.acousticScore(), h.score(), 0);
        }
        for (int i = 1; i < found.size(); i++) assertTrue(found.get(i).score() <= found.get(i - 1).score());
      }
    }
  }

  @Test
  void wideBeamWithWordLmFindsTheBestCombinedScoreByEnumeration() {
    SplittableRandom rng = Seeds.random("wideBeamWithWordLmFindsTheBestCombinedScoreByEnumeration");
    double alpha = 0.8, beta = 0.3;
    try (NgramLanguageModel lm = NgramLanguageModel.load(TestArpa.write(dir, "t.arpa", TestArpa.TEXT));
        BeamSearchDecoder decoder = new BeamSearchDecoder(WORDS,
            BeamSearchOptions.builder().beamWidth(400).lm(lm, alpha, beta).build(), 0.02)) {
      ReferencePrefixBeamSearch words = new ReferencePrefixBeamSearch(WORDS, 1, 0, 0, 0, lm, 0, 0);
      for (int trial = 0; trial < 12; trial++) {
        float[][] lp = CtcOracle.randomLogProbs(rng, 1 + rng.nextInt(5), 4, rng.nextDouble() * 3);
        double best = Double.NEGATIVE_INFINITY;
        String bestText = null;
        for (int[] y : CtcOracle.allSequences(4, 0, lp.length)) {
          List<String> w = new ArrayList<>(Arrays.asList(CtcOracle.text(y, WORDS).split(" ")));
          w.removeIf(String::isEmpty);
          double s = CtcOracle.logProb(lp, y, 0) + alpha * words.lmLn(w, true) + beta * w.size();
          if (s > best) best = s;
          if (s == best) bestText = CtcOracle.text(y, WORDS);
        }
        Hypothesis h = decoder.decode(lp, EmissionKind.LOG_PROBS).get(0);
        assertEquals(best, h.score(), TOLERANCE, "trial " + trial + ": enumeration's best is '" + bestText + "'");
        assertEquals(CtcOracle.logProb(lp, h.tokenIds(), 0), h.acousticScore(), TOLERANCE);
      }
    }
  }

  @Test
  void matchesTheReferenceSearchOnRandomCases() {
    SplittableRandom rng = Seeds.random("matchesTheReferenceSearchOnRandomCases");
    Labels labels = Labels.english();
    String arpa = TestArpa.TEXT; // words a, b, ab (others are <unk>)
    int compared = 0, trials = 24;
    try (NgramLanguageModel lm = NgramLanguageModel.load(TestArpa.write(dir, "t.arpa", arpa))) {
      for (int trial = 0; trial < trials; trial++) {
        int beam = 1 + rng.nextInt(16);
        int topK = rng.nextBoolean() ? 0 : 1 + rng.nextInt(8);
        double minLogProb = rng.nextBoolean() ? Double.NEGATIVE_INFINITY : Math.log(rng.nextDouble() * 0.05);
        double blankSkip = rng.nextBoolean() ? Double.POSITIVE_INFINITY : Math.log(0.9 + 0.09 * rng.nextDouble());
        boolean withLm = rng.nextBoolean();
        float[][] lp = CtcOracle.randomLogProbs(rng, 10 + rng.nextInt(40), labels.size(), 1 + 4 * rng.nextDouble());
        BeamSearchOptions.Builder b = BeamSearchOptions.builder().beamWidth(beam).tokenTopK(topK)
            .tokenMinLogProb(minLogProb).blankSkipLogProb(blankSkip);
        if (withLm) b.lm(lm, 0.5 + rng.nextDouble(), rng.nextDouble());
        BeamSearchOptions o = b.build();
        ReferencePrefixBeamSearch reference = new ReferencePrefixBeamSearch(labels, beam, topK, minLogProb, blankSkip,
            withLm ? lm : null, o.alpha(), o.beta());
        ReferencePrefixBeamSearch.Result expected = reference.decode(lp);
        if (reference.smallestMargin < 1e-3 || expected.margin() < 1e-3) continue; // float rounding could decide
        compared++;
        try (BeamSearchDecoder decoder = new BeamSearchDecoder(labels, o, 0.02)) {
          Hypothesis h = decoder.decode(lp, EmissionKind.LOG_PROBS).get(0);
          String what = "trial " + trial + " " + o;
          assertEquals(expected.text(), h.text(), what);
          assertEquals(expected.score(), h.score(), 1e-3, what);
          assertEquals(expected.acoustic(), h.acousticScore(), 1e-3, what);
        }
      }
    }
    assertTrue(compared >= trials / 2, "only " + compared + " of " + trials + " cases were clear-cut");
  }

  @Test
  void timestampsAreExactOnSyntheticEmissions() {
    // "ab ba": a at frames 2-3, b at 5, space 6-7, b 9-11, a 12; blank elsewhere (20 frames)
    int[][] runs = {{2, 3, 2}, {5, 5, 3}, {6, 7, 1}, {9, 11, 3}, {12, 12, 2}};
    float[][] probs = new float[20][4];
    for (float[] row : probs) Arrays.fill(row, 0.02f);
    for (float[] row : probs) row[0] = 0.94f;
    for (int[] r : runs) {
      for (int t = r[0]; t <= r[1]; t++) {
        Arrays.fill(probs[t], 0.02f);
        probs[t][r[2]] = 0.94f;
      }
    }
    try (BeamSearchDecoder decoder = new BeamSearchDecoder(WORDS, BeamSearchOptions.builder().beamWidth(8).build(), 0.04)) {
      Hypothesis h = decoder.decode(probs, EmissionKind.PROBS).get(0);
      assertEquals("ab ba", h.text());
      for (int i = 0; i < runs.length; i++) {
        assertEquals(runs[i][0], h.tokens().get(i).startFrame(), "token " + i);
        assertEquals(runs[i][1] + 1, h.tokens().get(i).endFrame(), "token " + i + " (end exclusive)");
        assertEquals(0.94f, h.tokens().get(i).confidence(), 1e-6);
      }
      assertEquals(2, h.words().size());
      WordSpan ab = h.words().get(0), ba = h.words().get(1);
      assertEquals("ab", ab.word());
      assertEquals(2, ab.startFrame());
      assertEquals(6, ab.endFrame());
      assertEquals(0.08, ab.startSeconds(), 1e-12);
      assertEquals(0.24, ab.endSeconds(), 1e-12);
      assertEquals("ba", ba.word());
      assertEquals(9, ba.startFrame());
      assertEquals(13, ba.endFrame());
      assertEquals(0.52, ba.endSeconds(), 1e-12);
    }
  }

  /** Emissions spelling `text` one token per frame with probability p, blank frames between. */
  private static float[][] spelled(Labels labels, String text, float p) {
    float[][] probs = new float[2 * text.length() + 1][labels.size()];
    float rest = (1 - p) / (labels.size() - 1);
    for (int t = 0; t < probs.length; t++) {
      Arrays.fill(probs[t], rest);
      int token = t % 2 == 0 ? labels.blank() : labels.tokens().indexOf(String.valueOf(text.charAt(t / 2)));
      probs[t][token] = p;
    }
    return probs;
  }

  @Test
  void lexiconAllowsOnlyItsWords() {
    Labels labels = Labels.english();
    float[][] probs = spelled(labels, "helo wrld", 0.6f);
    BeamSearchOptions free = BeamSearchOptions.builder().beamWidth(64).build();
    BeamSearchOptions lexicon = BeamSearchOptions.builder().beamWidth(64).nBest(3)
        .lexicon(List.of("hello", "help", "world", "word")).build();
    try (BeamSearchDecoder a = new BeamSearchDecoder(labels, free, 0.02);
        BeamSearchDecoder b = new BeamSearchDecoder(labels, lexicon, 0.02)) {
      assertEquals("helo wrld", a.decode(probs, EmissionKind.PROBS).get(0).text());
      List<Hypothesis> constrained = b.decode(probs, EmissionKind.PROBS);
      assertTrue(!constrained.isEmpty());
      for (Hypothesis h : constrained) {
        for (WordSpan w : h.words()) assertTrue(lexicon.lexicon().contains(w.word()), h.text());
      }
      assertEquals("help world", constrained.get(0).text()); // one unlikely frame each
    }
  }

  @Test
  void hotwordsWinFromInsideTheBeamAndIncompletePhrasesEarnNothing() {
    Labels labels = Labels.english();
    float[][] probs = spelled(labels, "the cap", 0.5f);
    int t = probs.length - 2; // the frame of "p": make "t" nearly as likely
    probs[t][labels.tokens().indexOf("t")] = 0.4f;
    probs[t][labels.tokens().indexOf("p")] = 0.45f;
    BeamSearchOptions plain = BeamSearchOptions.builder().beamWidth(16).build();
    BeamSearchOptions boosted = BeamSearchOptions.builder().beamWidth(16).hotword("cat", 2.0).build();
    BeamSearchOptions unfinished = BeamSearchOptions.builder().beamWidth(16).hotword("capybara", 5.0)
        .hotword("the cabin", 5.0).build();
    try (BeamSearchDecoder a = new BeamSearchDecoder(labels, plain, 0.02);
        BeamSearchDecoder b = new BeamSearchDecoder(labels, boosted, 0.02);
        BeamSearchDecoder c = new BeamSearchDecoder(labels, unfinished, 0.02)) {
      Hypothesis base = a.decode(probs, EmissionKind.PROBS).get(0);
      assertEquals("the cap", base.text());
      Hypothesis hot = b.decode(probs, EmissionKind.PROBS).get(0);
      assertEquals("the cat", hot.text());
      assertEquals(hot.acousticScore() + 2.0, hot.score(), TOLERANCE);
      Hypothesis none = c.decode(probs, EmissionKind.PROBS).get(0);
      assertEquals("the cap", none.text());
      assertEquals(none.acousticScore(), none.score(), 0, "partial matches of unfinished phrases are taken back");
    }
    float[][] phrase = spelled(labels, "new yorc", 0.6f);
    BeamSearchOptions newYork = BeamSearchOptions.builder().beamWidth(16).hotword("new york", 6.0).build();
    try (BeamSearchDecoder d = new BeamSearchDecoder(labels, newYork, 0.02)) {
      Hypothesis h = d.decode(phrase, EmissionKind.PROBS).get(0);
      assertEquals("new york", h.text());
      assertEquals(h.acousticScore() + 6.0, h.score(), TOLERANCE);
    }
  }

  @Test
  void batchesEqualSingleUtterances() {
    SplittableRandom rng = Seeds.random("batchesEqualSingleUtterances");
    Labels labels = Labels.english();
    int batch = 5, maxFrames = 30;
    float[] flat = new float[batch * maxFrames * labels.size()];
    long[] lengths = new long[batch];
    List<float[][]> singles = new ArrayList<>();
    for (int b = 0; b < batch; b++) {
      lengths[b] = b == 0 ? 0 : 1 + rng.nextInt(maxFrames);
      float[][] lp = CtcOracle.randomLogProbs(rng, (int) lengths[b], labels.size(), 3);
      singles.add(lp);
      for (int t = 0; t < lp.length; t++) System.arraycopy(lp[t], 0, flat, (b * maxFrames + t) * labels.size(), labels.size());
    }
    try (BeamSearchDecoder d = new BeamSearchDecoder(labels, BeamSearchOptions.builder().beamWidth(8).nBest(2).build(), 0.02);
        Tensor e = Tensor.of(Device.CPU, flat, batch, maxFrames, labels.size())) {
      List<List<Hypothesis>> all = d.decode(e, lengths, EmissionKind.LOG_PROBS);
      assertEquals("", all.get(0).get(0).text());
      for (int b = 0; b < batch; b++) {
        List<Hypothesis> one = d.decode(singles.get(b), EmissionKind.LOG_PROBS);
        assertEquals(one.size(), all.get(b).size());
        for (int r = 0; r < one.size(); r++) {
          assertEquals(one.get(r).text(), all.get(b).get(r).text());
          assertArrayEquals(one.get(r).tokenIds(), all.get(b).get(r).tokenIds());
        }
      }
    }
  }

  @Test
  void badInputsAreRejectedWithTheirName() {
    Labels labels = Labels.english();
    try (BeamSearchDecoder d = new BeamSearchDecoder(labels, BeamSearchOptions.builder().build(), 0.02)) {
      float[][] nan = new float[3][labels.size()];
      nan[1][4] = Float.NaN;
      assertTrue(assertThrows(InvalidInputException.class, () -> d.decode(nan, EmissionKind.LOG_PROBS)).getMessage()
          .contains("frame 1"));
      float[][] bigProb = new float[2][labels.size()];
      bigProb[0][0] = 3f;
      assertThrows(InvalidInputException.class, () -> d.decode(bigProb, EmissionKind.PROBS));
      assertThrows(InvalidInputException.class, () -> d.decode(new float[2][5], EmissionKind.LOG_PROBS));
      try (Tensor e = Tensor.zeros(Device.CPU, dev.ctc4j.tensor.DType.F32, 2, 4, labels.size())) {
        assertTrue(assertThrows(InvalidInputException.class, () -> d.decode(e, new long[] {2, 5}, EmissionKind.LOG_PROBS))
            .getMessage().contains("utterance 1"));
        assertThrows(InvalidInputException.class, () -> d.decode(e, new long[] {2}, EmissionKind.LOG_PROBS));
      }
    }
    assertThrows(InvalidInputException.class, () -> BeamSearchOptions.builder().beamWidth(0).build());
    assertThrows(InvalidInputException.class, () -> BeamSearchOptions.builder().beamWidth(2).nBest(3).build());
    assertThrows(InvalidInputException.class, () -> new Labels(List.of("_", "a", "a"), 0, -1));
    assertTrue(assertThrows(InvalidInputException.class, () -> new BeamSearchDecoder(labels,
        BeamSearchOptions.builder().lexicon(List.of("héllo")).build(), 0.02)).getMessage().contains("héllo"));
    assertThrows(InvalidInputException.class, () -> new BeamSearchDecoder(labels,
        BeamSearchOptions.builder().hotword("x1", 1).build(), 0.02));
  }
}

package dev.ctc4j.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ctc4j.testing.Seeds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KneserNeyBuilderTest {
  // log10 values are written with 7 decimals and held as floats.
  private static final double TOLERANCE = 2e-6;

  @TempDir Path dir;

  /**
   * A bigram model worked by hand (Chen and Goodman's modified KN as lmplz applies it) from the
   * sentences "a b", "a b", "b":
   *
   * <pre>
   * padded: &lt;s&gt; a b &lt;/s&gt; (twice), &lt;s&gt; b &lt;/s&gt;
   * bigram counts (highest order: raw): &lt;s&gt; a 2, a b 2, b &lt;/s&gt; 3, &lt;s&gt; b 1
   *   count-of-counts t1=1 t2=2 t3=1 t4=0; Y = 1/(1+4) = 0.2
   *   D1 = 1 - 2(0.2)(2/1) = 0.2, D2 = 2 - 3(0.2)(1/2) = 1.7, D3+ = 3 - 4(0.2)(0/1) = 3
   * unigram continuation counts (distinct left words): a 1 (&lt;s&gt;), b 2 (a, &lt;s&gt;), &lt;/s&gt; 1 (b)
   *   t1=2 t2=1 t3=0 -> lmplz's fallback discounts D1=0.5 D2=1 D3+=1.5
   *   total 4; gamma = (0.5*2 + 1*1)/4 = 0.5; vocabulary {a, b, &lt;/s&gt;, &lt;unk&gt;}: uniform 1/4
   *   p(a) = (1-0.5)/4 + 0.5/4 = 0.25; p(b) = (2-1)/4 + 0.125 = 0.375; p(&lt;/s&gt;) = 0.25; p(&lt;unk&gt;) = 0.125
   * context &lt;s&gt;: total 3, gamma = (0.2*1 + 1.7*1)/3 = 0.633333
   *   p(a|&lt;s&gt;) = (2-1.7)/3 + 0.633333*0.25 = 0.258333; p(b|&lt;s&gt;) = (1-0.2)/3 + 0.633333*0.375 = 0.504167
   * context a: total 2, gamma = 1.7/2 = 0.85; p(b|a) = (2-1.7)/2 + 0.85*0.375 = 0.46875
   *   unseen: p(a|a) = 0.85 * 0.25 = 0.2125
   * context b: total 3, gamma = 3*1/3 = 1; p(&lt;/s&gt;|b) = (3-3)/3 + 1*0.25 = 0.25
   * </pre>
   */
  @Test
  void workedBigramExample() throws IOException {
    Path text = Files.writeString(dir.resolve("t.txt"), "a b\na b\nb\n");
    Path arpa = dir.resolve("t.arpa");
    new KneserNeyBuilder(2).addText(text).writeArpa(arpa);
    try (NgramLanguageModel lm = NgramLanguageModel.load(arpa)) {
      assertProb(0.25, lm, "a");
      assertProb(0.375, lm, "b");
      assertProb(0.25, lm, "</s>");
      assertProb(0.125, lm, "<unk>");
      assertProb(0.258333333, lm, "<s>", "a");
      assertProb(0.504166667, lm, "<s>", "b");
      assertProb(0.46875, lm, "a", "b");
      assertProb(0.2125, lm, "a", "a");
      assertProb(0.25, lm, "b", "</s>");
    }
  }

  private static void assertProb(double expected, NgramLanguageModel lm, String... words) {
    assertEquals(Math.log10(expected), lm.log10Prob(words), TOLERANCE, String.join(" ", words));
  }

  @Test
  void probabilitiesSumToOneForEveryContextSeen() throws IOException {
    SplittableRandom rng = Seeds.random("probabilitiesSumToOneForEveryContextSeen");
    List<String> vocabulary = List.of("the", "cat", "sat", "on", "mat", "a", "dog", "ran", "fast", "and");
    KneserNeyBuilder builder = new KneserNeyBuilder(3);
    List<List<String>> sentences = new ArrayList<>();
    for (int s = 0; s < 300; s++) {
      List<String> sentence = new ArrayList<>();
      int n = 1 + rng.nextInt(8);
      for (int i = 0; i < n; i++) sentence.add(vocabulary.get((int) Math.min(9, Math.abs(Seeds.nextGaussian(rng)) * 4)));
      sentences.add(sentence);
      builder.addSentence(String.join(" ", sentence));
    }
    Path arpa = dir.resolve("r.arpa");
    builder.writeArpa(arpa);
    List<String> predicted = new ArrayList<>(vocabulary);
    predicted.add("</s>");
    predicted.add("<unk>");
    try (NgramLanguageModel lm = NgramLanguageModel.load(arpa)) {
      List<List<String>> contexts = new ArrayList<>();
      contexts.add(List.of());
      for (List<String> s : sentences) { // every context of order 1 and 2 that the text holds
        List<String> padded = new ArrayList<>(List.of("<s>"));
        padded.addAll(s);
        for (int i = 0; i < padded.size(); i++) {
          contexts.add(padded.subList(i, i + 1));
          if (i + 2 <= padded.size()) contexts.add(padded.subList(i, i + 2));
        }
      }
      for (List<String> h : contexts) {
        double sum = 0;
        for (String w : predicted) {
          List<String> q = new ArrayList<>(h);
          q.add(w);
          sum += Math.pow(10, lm.log10Prob(q.toArray(String[]::new)));
        }
        assertEquals(1.0, sum, 1e-5, "context " + h);
      }
    }
  }
}

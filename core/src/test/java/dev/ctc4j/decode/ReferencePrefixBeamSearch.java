package dev.ctc4j.decode;

import dev.ctc4j.lm.NgramLanguageModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The CTC prefix beam search written plainly: prefixes are strings in a dictionary, the word LM is
 * rescored from the text. The oracle for random cases, and DecodeBenchmark's peer (from this test-jar).
 * Same semantics as the native decoder: blank/non-blank probabilities per prefix, top-k and
 * threshold token pruning, blank-frame skipping, LM at word ends with alpha and beta, the partial
 * word and &lt;/s&gt; scored at the end.
 */
public final class ReferencePrefixBeamSearch {
  public record Result(String text, double score, double acoustic, double margin) {}

  private final Labels labels;
  private final int beam;
  private final int topK;
  private final double minLogProb;
  private final double blankSkip;
  private final NgramLanguageModel lm;
  private final double alpha;
  private final double beta;
  private final Map<String, Double> lmCache = new HashMap<>();
  private static final double OOV_LOG10 = -10; // a word outside a vocabulary without <unk>
  private final boolean hasUnk;
  double smallestMargin = Double.POSITIVE_INFINITY; // closest call at a beam cut-off

  /** topK 0 keeps every token, minLogProb -inf and blankSkip 0 (or more) prune nothing. */
  public ReferencePrefixBeamSearch(Labels labels, int beam, int topK, double minLogProb, double blankSkip,
      NgramLanguageModel lm, double alpha, double beta) {
    this.labels = labels;
    this.beam = beam;
    this.topK = topK;
    this.minLogProb = minLogProb;
    this.blankSkip = blankSkip;
    this.lm = lm;
    this.alpha = alpha;
    this.beta = beta;
    this.hasUnk = lm != null && lm.wordId("<unk>") >= 0;
  }

  public Result decode(float[][] lp) {
    int blank = labels.blank();
    Map<String, double[]> beams = new HashMap<>(); // prefix (one char per token) -> {ln P blank, ln P token}
    beams.put("", new double[] {0, Double.NEGATIVE_INFINITY});
    for (float[] row : lp) {
      Map<String, double[]> next = new HashMap<>();
      for (var e : beams.entrySet()) {
        String p = e.getKey();
        double[] s = e.getValue();
        double[] n = next.computeIfAbsent(p, k -> new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY});
        n[0] = CtcOracle.logAdd(n[0], CtcOracle.logAdd(s[0], s[1]) + row[blank]);
        if (!p.isEmpty()) n[1] = CtcOracle.logAdd(n[1], s[1] + row[p.charAt(p.length() - 1)]);
      }
      if (row[blank] <= blankSkip) {
        for (int c : tokens(row)) {
          for (var e : beams.entrySet()) {
            String p = e.getKey();
            double[] s = e.getValue();
            boolean repeat = !p.isEmpty() && p.charAt(p.length() - 1) == c;
            double mass = (repeat ? s[0] : CtcOracle.logAdd(s[0], s[1])) + row[c];
            if (mass == Double.NEGATIVE_INFINITY) continue;
            double[] n = next.computeIfAbsent(p + (char) c, k -> new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY});
            n[1] = CtcOracle.logAdd(n[1], mass);
          }
        }
      }
      Map<String, Double> scores = new HashMap<>(); // each prefix scored once per frame
      for (var e : next.entrySet()) scores.put(e.getKey(), score(e.getKey(), e.getValue(), false));
      List<Map.Entry<String, double[]>> ranked = new ArrayList<>(next.entrySet());
      ranked.removeIf(e -> scores.get(e.getKey()) == Double.NEGATIVE_INFINITY);
      ranked.sort((a, b) -> Double.compare(scores.get(b.getKey()), scores.get(a.getKey())));
      if (ranked.size() > beam) {
        smallestMargin = Math.min(smallestMargin, scores.get(ranked.get(beam - 1).getKey())
            - scores.get(ranked.get(beam).getKey()));
      }
      beams = new HashMap<>();
      for (var e : ranked.subList(0, Math.min(beam, ranked.size()))) beams.put(e.getKey(), e.getValue());
    }
    String best = null;
    double bestScore = Double.NEGATIVE_INFINITY;
    double second = Double.NEGATIVE_INFINITY;
    for (var e : beams.entrySet()) {
      double s = score(e.getKey(), e.getValue(), true);
      if (s > bestScore) {
        second = bestScore;
        bestScore = s;
        best = e.getKey();
      } else {
        second = Math.max(second, s);
      }
    }
    double[] s = beams.get(best);
    return new Result(text(best), bestScore, CtcOracle.logAdd(s[0], s[1]), bestScore - second);
  }

  /** The tokens extended from this frame: above the threshold, and ranked only where top-k needs it. */
  private int[] tokens(float[] row) {
    IntStream kept = IntStream.range(0, row.length)
        .filter(c -> c != labels.blank() && row[c] >= minLogProb && row[c] != Float.NEGATIVE_INFINITY);
    if (topK <= 0) return kept.toArray();
    return kept.boxed().sorted((a, b) -> Float.compare(row[b], row[a])).limit(topK).mapToInt(Integer::intValue)
        .toArray();
  }

  private double score(String prefix, double[] s, boolean end) {
    double acoustic = CtcOracle.logAdd(s[0], s[1]);
    if (lm == null) return acoustic;
    String text = text(prefix);
    List<String> words = new ArrayList<>(Arrays.asList(text.split(" ", -1)));
    if (!end) words.remove(words.size() - 1); // the partial word waits for its end
    words.removeIf(String::isEmpty);
    return acoustic + alpha * lmLn(words, end) + beta * words.size();
  }

  /** ln P of the words (from <s>), plus </s> at the end. */
  double lmLn(List<String> words, boolean end) {
    return lmCache.computeIfAbsent(String.join(" ", words) + (end ? "|end" : ""), k -> {
      List<String> context = new ArrayList<>(List.of("<s>"));
      double log10 = 0;
      for (String w : words) {
        context.add(w);
        boolean unscored = lm.wordId(w) < 0 && !hasUnk; // the native decoder's oov_log10 (common/ngram.h)
        log10 += unscored ? OOV_LOG10 : lm.log10Prob(context.toArray(String[]::new));
      }
      if (end) {
        context.add("</s>");
        log10 += lm.log10Prob(context.toArray(String[]::new));
      }
      return log10 * Math.log(10);
    });
  }

  private String text(String prefix) {
    StringBuilder sb = new StringBuilder();
    for (char c : prefix.toCharArray()) sb.append(labels.text(c));
    return sb.toString();
  }
}

package dev.ctc4j.decode;

import dev.ctc4j.lm.NgramLanguageModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The CTC prefix beam search written plainly: prefixes are strings in a dictionary, the word LM is
 * rescored from the text. The oracle for random cases (and the benchmarks' peer, which keeps a copy).
 * Same semantics as the native decoder: blank/non-blank probabilities per prefix, top-k and
 * threshold token pruning, blank-frame skipping, LM at word ends with alpha and beta, the partial
 * word and &lt;/s&gt; scored at the end.
 */
final class ReferencePrefixBeamSearch {
  record Result(String text, double score, double acoustic, double margin) {}

  private final Labels labels;
  private final int beam;
  private final int topK;
  private final double minLogProb;
  private final double blankSkip;
  private final NgramLanguageModel lm;
  private final double alpha;
  private final double beta;
  private final Map<String, Double> lmCache = new HashMap<>();
  double smallestMargin = Double.POSITIVE_INFINITY; // closest call at a beam cut-off

  ReferencePrefixBeamSearch(Labels labels, int beam, int topK, double minLogProb, double blankSkip,
      NgramLanguageModel lm, double alpha, double beta) {
    this.labels = labels;
    this.beam = beam;
    this.topK = topK;
    this.minLogProb = minLogProb;
    this.blankSkip = blankSkip;
    this.lm = lm;
    this.alpha = alpha;
    this.beta = beta;
  }

  Result decode(float[][] lp) {
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
      List<Map.Entry<String, double[]>> ranked = new ArrayList<>(next.entrySet());
      ranked.removeIf(e -> score(e.getKey(), e.getValue(), false) == Double.NEGATIVE_INFINITY);
      ranked.sort((a, b) -> Double.compare(score(b.getKey(), b.getValue(), false), score(a.getKey(), a.getValue(), false)));
      if (ranked.size() > beam) {
        smallestMargin = Math.min(smallestMargin, score(ranked.get(beam - 1).getKey(), ranked.get(beam - 1).getValue(), false)
            - score(ranked.get(beam).getKey(), ranked.get(beam).getValue(), false));
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

  private int[] tokens(float[] row) {
    Integer[] order = new Integer[row.length];
    for (int c = 0; c < row.length; c++) order[c] = c;
    Arrays.sort(order, (a, b) -> Float.compare(row[b], row[a]));
    return Arrays.stream(order)
        .filter(c -> c != labels.blank() && row[c] >= minLogProb && row[c] != Float.NEGATIVE_INFINITY)
        .limit(topK > 0 ? topK : row.length).mapToInt(Integer::intValue).toArray();
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
        log10 += lm.log10Prob(context.toArray(String[]::new));
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

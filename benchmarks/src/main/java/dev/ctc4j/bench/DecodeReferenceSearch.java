package dev.ctc4j.bench;

import dev.ctc4j.decode.Labels;
import dev.ctc4j.lm.NgramLanguageModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmarks' peer: the plain dictionary-based CTC prefix beam search (prefixes as strings in a
 * HashMap, word LM rescored from the text), a trimmed copy of the test oracle
 * src/test/java/dev/ctc4j/decode/ReferencePrefixBeamSearch.java (no pruning options).
 */
final class DecodeReferenceSearch {
  private final Labels labels;
  private final int beam;
  private final NgramLanguageModel lm;
  private final double alpha;
  private final double beta;
  private final Map<String, Double> lmCache = new HashMap<>();

  DecodeReferenceSearch(Labels labels, int beam, NgramLanguageModel lm, double alpha, double beta) {
    this.labels = labels;
    this.beam = beam;
    this.lm = lm;
    this.alpha = alpha;
    this.beta = beta;
  }

  String decode(float[][] lp) {
    int blank = labels.blank();
    Map<String, double[]> beams = new HashMap<>();
    beams.put("", new double[] {0, Double.NEGATIVE_INFINITY});
    for (float[] row : lp) {
      Map<String, double[]> next = new HashMap<>();
      for (var e : beams.entrySet()) {
        String p = e.getKey();
        double[] s = e.getValue();
        double[] n = next.computeIfAbsent(p, k -> new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY});
        n[0] = logAdd(n[0], logAdd(s[0], s[1]) + row[blank]);
        if (!p.isEmpty()) n[1] = logAdd(n[1], s[1] + row[p.charAt(p.length() - 1)]);
        for (int c = 0; c < row.length; c++) {
          if (c == blank) continue;
          boolean repeat = !p.isEmpty() && p.charAt(p.length() - 1) == c;
          double[] m = next.computeIfAbsent(p + (char) c, k -> new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY});
          m[1] = logAdd(m[1], (repeat ? s[0] : logAdd(s[0], s[1])) + row[c]);
        }
      }
      List<Map.Entry<String, double[]>> ranked = new ArrayList<>(next.entrySet());
      Map<String, Double> score = new HashMap<>();
      for (var e : ranked) score.put(e.getKey(), score(e.getKey(), e.getValue(), false));
      ranked.sort((a, b) -> Double.compare(score.get(b.getKey()), score.get(a.getKey())));
      beams = new HashMap<>();
      for (var e : ranked.subList(0, Math.min(beam, ranked.size()))) beams.put(e.getKey(), e.getValue());
    }
    String best = "";
    double bestScore = Double.NEGATIVE_INFINITY;
    for (var e : beams.entrySet()) {
      double s = score(e.getKey(), e.getValue(), true);
      if (s > bestScore) {
        bestScore = s;
        best = e.getKey();
      }
    }
    return text(best);
  }

  private double score(String prefix, double[] s, boolean end) {
    double acoustic = logAdd(s[0], s[1]);
    if (lm == null) return acoustic;
    List<String> words = new ArrayList<>(Arrays.asList(text(prefix).split(" ", -1)));
    if (!end) words.remove(words.size() - 1);
    words.removeIf(String::isEmpty);
    return acoustic + alpha * lmLn(words, end) + beta * words.size();
  }

  private double lmLn(List<String> words, boolean end) {
    return lmCache.computeIfAbsent(String.join(" ", words) + (end ? "|end" : ""), k -> {
      List<String> context = new ArrayList<>(List.of("<s>"));
      double log10 = 0;
      for (String w : words) {
        context.add(w);
        log10 += lm.wordId(w) < 0 ? -10 : lm.log10Prob(context.toArray(String[]::new));
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

  private static double logAdd(double a, double b) {
    if (a < b) return logAdd(b, a);
    return b == Double.NEGATIVE_INFINITY ? a : a + Math.log1p(Math.exp(b - a));
  }
}

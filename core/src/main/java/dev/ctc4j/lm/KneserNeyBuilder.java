package dev.ctc4j.lm;

import dev.ctc4j.io.AtomicFiles;
import dev.ctc4j.InvalidInputException;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Estimates an interpolated modified Kneser-Ney n-gram model as KenLM's lmplz does (Heafield et al.
 * 2013; Chen and Goodman 1998) and writes it as ARPA:
 *
 * <ul>
 *   <li>sentences are padded as {@code <s> w1 .. wk </s>}; highest-order n-grams, and lower-order
 *       ones starting with {@code <s>}, keep their raw counts; every other lower-order n-gram gets
 *       its continuation count (the number of distinct words seen before it);
 *   <li>per order, discounts from the count-of-counts t1..t4 of those adjusted counts:
 *       Y = t1 / (t1 + 2 t2), D_k = k - (k + 1) Y t_{k+1} / t_k for k = 1, 2, 3+ (lmplz's fallback
 *       0.5, 1, 1.5 where t1..t3 has a zero or a discount falls outside [0, k]);
 *   <li>p(w | h) = (a(h w) - D(a(h w))) / sum_x a(h x) + gamma(h) p(w | h minus its first word),
 *       gamma(h) = (D1 N1(h) + D2 N2(h) + D3+ N3+(h)) / sum_x a(h x), with the unigrams interpolated
 *       with the uniform distribution over the vocabulary (every word but {@code <s>}, with
 *       {@code <unk>}); gamma(h) is written as h's backoff.
 * </ul>
 */
public final class KneserNeyBuilder {
  private static final double[] FALLBACK = {0, 0.5, 1.0, 1.5};
  private final int order;
  private final Map<String, Integer> ids = new HashMap<>();
  private final List<String> words = new ArrayList<>();
  private final List<Map<Gram, Long>> counts = new ArrayList<>(); // adjusted counts per order (index n-1)

  public KneserNeyBuilder(int order) {
    if (order < 1 || order > 16) throw new InvalidInputException("order must be in [1, 16], got " + order);
    this.order = order;
    for (String w : List.of("<s>", "</s>", "<unk>")) id(w);
    for (int n = 0; n < order; n++) counts.add(new HashMap<>());
  }

  private record Gram(int[] ids) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Gram g && Arrays.equals(ids, g.ids);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(ids);
    }

    Gram suffix() {
      return new Gram(Arrays.copyOfRange(ids, 1, ids.length));
    }

    Gram context() {
      return new Gram(Arrays.copyOf(ids, ids.length - 1));
    }
  }

  private int id(String word) {
    return ids.computeIfAbsent(word, w -> {
      words.add(w);
      return words.size() - 1;
    });
  }

  /** Adds every line of a text file, one sentence per line, words separated by whitespace. */
  public KneserNeyBuilder addText(Path text) throws IOException {
    try (var lines = Files.lines(text, StandardCharsets.UTF_8)) {
      lines.forEach(this::addSentence);
    }
    return this;
  }

  public KneserNeyBuilder addSentence(String sentence) {
    String[] tokens = sentence.trim().split("\\s+");
    if (tokens.length == 1 && tokens[0].isEmpty()) return this;
    int[] seq = new int[tokens.length + 2];
    seq[0] = 0;
    for (int i = 0; i < tokens.length; i++) {
      if (tokens[i].equals("<s>") || tokens[i].equals("</s>")) {
        throw new InvalidInputException("sentence markers inside text: '" + sentence + "'");
      }
      seq[i + 1] = id(tokens[i]);
    }
    seq[seq.length - 1] = 1;
    for (int end = 1; end < seq.length; end++) {
      int start = Math.max(0, end - order + 1);
      counts.get(end - start).merge(new Gram(Arrays.copyOfRange(seq, start, end + 1)), 1L, Long::sum);
    }
    counts.get(0).merge(new Gram(new int[] {0}), 1L, Long::sum); // <s> as a context
    return this;
  }

  /** Builds the model and writes it as ARPA to {@code out} atomically. */
  public void writeArpa(Path out) throws IOException {
    AtomicFiles.write(out, stream -> {
      Writer w = new java.io.OutputStreamWriter(stream, StandardCharsets.UTF_8);
      writeArpa(w);
      w.flush();
    });
  }

  public void writeArpa(Writer out) throws IOException {
    List<Map<Gram, Long>> adjusted = adjustedCounts();
    List<Map<Gram, Double>> probs = new ArrayList<>();
    List<Map<Gram, Double>> backoffs = new ArrayList<>();
    for (int n = 1; n <= order; n++) {
      Map<Gram, Double> p = new HashMap<>();
      Map<Gram, Double> gamma = new HashMap<>();
      estimate(n, adjusted.get(n - 1), n > 1 ? probs.get(n - 2) : null, p, gamma);
      probs.add(p);
      if (n > 1) backoffs.add(gamma); // gamma of (n-1)-word contexts
      else backoffs.add(new HashMap<>());
    }
    out.write("\\data\\\n");
    for (int n = 1; n <= order; n++) out.write("ngram " + n + "=" + probs.get(n - 1).size() + "\n");
    for (int n = 1; n <= order; n++) {
      out.write("\n\\" + n + "-grams:\n");
      Map<Gram, Double> gammas = n < order ? backoffs.get(n) : Map.of();
      TreeMap<String, String> lines = new TreeMap<>();
      for (var e : probs.get(n - 1).entrySet()) {
        StringBuilder line = new StringBuilder(format(e.getValue()));
        line.append('\t');
        for (int i = 0; i < n; i++) line.append(i > 0 ? " " : "").append(words.get(e.getKey().ids()[i]));
        if (n < order) line.append('\t').append(format(gammas.getOrDefault(e.getKey(), 1.0)));
        lines.put(line.substring(line.indexOf("\t") + 1), line.toString());
      }
      for (String line : lines.values()) out.write(line + "\n");
    }
    out.write("\n\\end\\\n");
  }

  private static String format(double p) {
    return p == 0 ? "-99" : String.format(Locale.ROOT, "%.7f", Math.log10(p));
  }

  // Raw counts for the highest order and for n-grams starting with <s>; continuation counts otherwise.
  private List<Map<Gram, Long>> adjustedCounts() {
    List<Map<Gram, Long>> a = new ArrayList<>();
    for (Map<Gram, Long> c : counts) a.add(new HashMap<>(c));
    for (int n = order; n >= 2; n--) {
      for (Gram g : a.get(n - 1).keySet()) {
        Gram s = g.suffix();
        if (s.ids()[0] != 0) a.get(n - 2).merge(s, 1L, Long::sum);
      }
    }
    return a;
  }

  // Probabilities of order n (and the backoff of each context) from adjusted counts a.
  private void estimate(int n, Map<Gram, Long> a, Map<Gram, Double> lower, Map<Gram, Double> p, Map<Gram, Double> gamma) {
    Gram bos = new Gram(new int[] {0});
    double[] d = discounts(a, n == 1 ? bos : null);
    Map<Gram, double[]> byContext = new HashMap<>(); // context -> {sum of counts, sum of discounts}
    for (var e : a.entrySet()) {
      if (n == 1 && e.getKey().equals(bos)) continue;
      double[] s = byContext.computeIfAbsent(e.getKey().context(), k -> new double[2]);
      s[0] += e.getValue();
      s[1] += d[(int) Math.min(3, e.getValue())];
    }
    byContext.forEach((h, s) -> gamma.put(h, s[1] / s[0]));
    if (n == 1) {
      double[] s = byContext.get(new Gram(new int[0]));
      int vocabulary = words.size() - 1; // all but <s>
      for (int w = 0; w < words.size(); w++) {
        Gram g = new Gram(new int[] {w});
        if (w == 0) {
          p.put(g, 0.0);
          continue;
        }
        long c = a.getOrDefault(g, 0L);
        p.put(g, (c - d[(int) Math.min(3, c)]) / s[0] + s[1] / s[0] / vocabulary);
      }
      return;
    }
    for (var e : a.entrySet()) {
      Gram g = e.getKey();
      double[] s = byContext.get(g.context());
      long c = e.getValue();
      p.put(g, (c - d[(int) Math.min(3, c)]) / s[0] + s[1] / s[0] * lowerProb(lower, g.suffix()));
    }
  }

  private static double lowerProb(Map<Gram, Double> lower, Gram g) {
    Double p = lower.get(g);
    if (p == null) throw new IllegalStateException("missing lower-order n-gram " + Arrays.toString(g.ids()));
    return p;
  }

  private static double[] discounts(Map<Gram, Long> a, Gram excluded) {
    long[] t = new long[5];
    for (var e : a.entrySet()) {
      if (e.getKey().equals(excluded)) continue;
      if (e.getValue() <= 4) t[(int) (long) e.getValue()]++;
    }
    if (t[1] == 0 || t[2] == 0 || t[3] == 0) return FALLBACK;
    double y = (double) t[1] / (t[1] + 2.0 * t[2]);
    double[] d = new double[4];
    for (int k = 1; k <= 3; k++) {
      d[k] = k - (k + 1) * y * t[k + 1] / t[k];
      if (d[k] < 0 || d[k] > k) return FALLBACK;
    }
    return d;
  }
}

package dev.ctc4j.bench;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Runs JMH with its usual command-line options, then pairs each benchmark method {@code ctc4jX}
 * with a peer method of the same class and parameters — the one named {@code <peer>X} (e.g.
 * ctc4jTraining with torchTraining), else the only non-ctc4j method — and prints peer time /
 * ctc4j time: above 1 means ctc4j is faster. A method whose name has "Int8" after the library's
 * (ctc4jInt8Forward) is also paired with the one without it (ctc4jForward): that library's int8
 * speed-up, float32 time / int8 time.
 */
public final class Run {
  public static void main(String[] args) throws Exception {
    Collection<RunResult> results = new Runner(new CommandLineOptions(args)).run();
    Map<String, Map<String, Double>> peers = new TreeMap<>();  // group -> peer method -> score
    Map<String, Double> ours = new TreeMap<>();
    for (RunResult r : results) {
      String label = r.getParams().getBenchmark();
      int dot = label.lastIndexOf('.');
      String method = label.substring(dot + 1), group = label.substring(0, dot) + " " + params(r);
      double score = r.getPrimaryResult().getScore();
      if (method.startsWith("ctc4j")) {
        ours.put(group + " | " + method, score);
      } else {
        peers.computeIfAbsent(group, g -> new TreeMap<>()).put(method, score);
      }
    }
    System.out.println("\nratio = peer time / ctc4j time (scores in " + unit(results) + ")");
    System.out.printf("%-90s %12s %12s %8s%n", "benchmark | ctc4j method", "ctc4j", "peer", "ratio");
    ours.forEach((key, score) -> {
      Double peer = peer(peers.getOrDefault(key.substring(0, key.indexOf(" | ")), Map.of()),
          key.substring(key.indexOf(" | ") + 3 + "ctc4j".length()));
      System.out.printf("%-90s %12.3f %12s %8s%n", key, score, peer == null ? "-" : String.format("%.3f", peer),
          peer == null ? "-" : String.format("%.2f", peer / score));
    });
    printInt8SpeedUps(results);
  }

  private static void printInt8SpeedUps(Collection<RunResult> results) {
    Map<String, Double> scores = new TreeMap<>(); // "group | method" -> score
    for (RunResult r : results) {
      String label = r.getParams().getBenchmark();
      int dot = label.lastIndexOf('.');
      scores.put(label.substring(0, dot) + " " + params(r) + " | " + label.substring(dot + 1),
          r.getPrimaryResult().getScore());
    }
    boolean header = false;
    for (Map.Entry<String, Double> e : scores.entrySet()) {
      int bar = e.getKey().indexOf(" | ") + 3;
      String method = e.getKey().substring(bar);
      if (!method.contains("Int8")) continue;
      Double fp32 = scores.get(e.getKey().substring(0, bar) + method.replace("Int8", ""));
      if (fp32 == null) continue;
      if (!header) {
        System.out.printf("%nint8 speed-up = float32 time / int8 time, same library%n%-90s %12s %12s %8s%n",
            "benchmark | int8 method", "float32", "int8", "speed-up");
        header = true;
      }
      System.out.printf("%-90s %12.3f %12.3f %8.2f%n", e.getKey(), fp32, e.getValue(), fp32 / e.getValue());
    }
  }

  private static Double peer(Map<String, Double> candidates, String suffix) {
    for (Map.Entry<String, Double> e : candidates.entrySet()) {
      if (!suffix.isEmpty() && e.getKey().endsWith(suffix)) return e.getValue();
    }
    return candidates.size() == 1 ? candidates.values().iterator().next() : null;
  }

  private static String params(RunResult r) {
    StringBuilder sb = new StringBuilder();
    for (String k : r.getParams().getParamsKeys()) sb.append(k).append('=').append(r.getParams().getParam(k)).append(' ');
    return sb.toString().trim();
  }

  private static String unit(Collection<RunResult> results) {
    return results.isEmpty() ? "-" : results.iterator().next().getPrimaryResult().getScoreUnit();
  }
}

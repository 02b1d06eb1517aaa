package dev.ctc4j.bench;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Runs JMH with its usual command-line options, then pairs each benchmark method named
 * {@code ctc4j...} with its peer {@code torch...} (same class, same suffix, same parameters) and
 * prints peer time / ctc4j time: above 1 means ctc4j is faster.
 */
public final class Run {
  public static void main(String[] args) throws Exception {
    Collection<RunResult> results = new Runner(new CommandLineOptions(args)).run();
    Map<String, double[]> pairs = new TreeMap<>();
    for (RunResult r : results) {
      String label = r.getParams().getBenchmark();
      int dot = label.lastIndexOf('.');
      String method = label.substring(dot + 1);
      boolean ours = method.startsWith("ctc4j");
      if (!ours && !method.startsWith("torch")) continue;
      String key = label.substring(0, dot + 1) + method.substring(5) + " " + params(r);
      double score = r.getPrimaryResult().getScore();
      pairs.computeIfAbsent(key, k -> new double[2])[ours ? 0 : 1] = score;
    }
    System.out.println("\nratio = peer time / ctc4j time (scores in " + unit(results) + ")");
    System.out.printf("%-80s %12s %12s %8s%n", "benchmark", "ctc4j", "peer", "ratio");
    pairs.forEach((key, s) -> System.out.printf("%-80s %12.3f %12.3f %8.2f%n", key, s[0], s[1], s[1] / s[0]));
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

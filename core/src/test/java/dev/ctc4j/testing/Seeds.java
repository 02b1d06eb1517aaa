package dev.ctc4j.testing;

import java.util.SplittableRandom;

/**
 * Fresh random inputs for every run, reproducible from the printed seed: set -Dctc4j.seed=N to
 * replay a failure.
 */
public final class Seeds {
  private Seeds() {}

  public static SplittableRandom random(String testName) {
    long seed = Long.getLong("ctc4j.seed", System.nanoTime());
    System.out.println("[seed] " + testName + " ctc4j.seed=" + seed);
    return new SplittableRandom(seed);
  }

  public static float[] gaussian(SplittableRandom rng, int n, double std) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) out[i] = (float) (nextGaussian(rng) * std);
    return out;
  }

  public static double nextGaussian(SplittableRandom rng) {
    double u = rng.nextDouble(), v = rng.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
  }
}

package dev.ctc4j.nn;

import java.util.SplittableRandom;

/**
 * PyTorch's default initialisations, drawn from a seeded generator (the same distributions as
 * PyTorch, not its random stream): Linear and Conv use kaiming_uniform(a = sqrt 5), i.e.
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases; LSTM/GRU use U(-1/sqrt(hidden), ...).
 */
public final class Init {
  private Init() {}

  public static float[] uniform(SplittableRandom rng, int n, double bound) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) out[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
    return out;
  }

  public static float[] fill(int n, float value) {
    float[] out = new float[n];
    java.util.Arrays.fill(out, value);
    return out;
  }
}

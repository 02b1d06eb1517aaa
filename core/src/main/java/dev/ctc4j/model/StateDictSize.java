package dev.ctc4j.model;

/**
 * How many floats a layer's state dict holds, from its sizes alone: a loader checks a config
 * against the weight file with these before it allocates anything. Exact arithmetic: a size past
 * a long throws {@link ArithmeticException}.
 */
public final class StateDictSize {
  private StateDictSize() {}

  /** torch.nn.Linear: weight [out, in] and an optional bias [out]. */
  public static long linear(long in, long out, boolean bias) {
    return sum(product(in, out), bias ? out : 0);
  }

  /** torch.nn.Conv1d/2d: weight [out, in / groups, kernel...] and an optional bias [out]. */
  public static long convolution(long in, long out, long kernelElements, long groups, boolean bias) {
    return sum(product(out, in / groups, kernelElements), bias ? out : 0);
  }

  /**
   * torch.nn.LSTM ({@code cell} "lstm") or GRU ("gru"): per layer and direction weight_ih, weight_hh
   * and optionally bias_ih, bias_hh; layers past the first take every direction's output.
   */
  public static long rnn(String cell, long in, long hidden, long layers, boolean bidirectional, boolean bias) {
    long gates = product("gru".equals(cell) ? 3 : 4, hidden), directions = bidirectional ? 2 : 1;
    long first = product(directions, rnnDirection(gates, in, hidden, bias));
    long next = product(directions, rnnDirection(gates, product(directions, hidden), hidden, bias));
    return sum(first, product(layers - 1, next));
  }

  private static long rnnDirection(long gates, long in, long hidden, boolean bias) {
    return sum(product(gates, in), product(gates, hidden), bias ? product(2, gates) : 0);
  }

  /** LayerNorm or GroupNorm: a weight and a bias per channel. */
  public static long norm(long channels) {
    return product(2, channels);
  }

  /** BatchNorm: weight, bias, running mean and running variance per channel. */
  public static long batchNorm(long channels) {
    return product(4, channels);
  }

  public static long sum(long... terms) {
    long total = 0;
    for (long t : terms) total = Math.addExact(total, t);
    return total;
  }

  public static long product(long... factors) {
    long total = 1;
    for (long f : factors) total = Math.multiplyExact(total, f);
    return total;
  }
}

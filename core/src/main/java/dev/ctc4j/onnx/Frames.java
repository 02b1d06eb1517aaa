package dev.ctc4j.onnx;

import static dev.ctc4j.onnx.Graph.attr;

import java.util.List;

/** Per-utterance frame counts in the graph: validity masks, zeroed padding, convolution output lengths. */
final class Frames {
  private Frames() {}

  /** valid [N, T] (bool): frame t of utterance b is valid when t < lengths[b]; T is axis {@code axis} of x. */
  static String valid(Graph g, String lengths, String x, int axis) {
    String steps = g.node("Gather", List.of(g.node("Shape", x), g.int64(axis)), attr("axis", 0L));
    String t = g.node("Range", g.int64(0), steps, g.int64(1));
    return g.node("Less", t, g.node("Unsqueeze", lengths, g.ints(1)));
  }

  /** x [N, ..., T] of the given rank with its invalid frames set to zero (ctc4j's maskFrames). */
  static String zeroPadding(Graph g, String x, String valid, int rank) {
    long[] axes = new long[rank - 2];
    for (int i = 0; i < axes.length; i++) axes[i] = i + 1;
    String mask = axes.length == 0 ? valid : g.node("Unsqueeze", valid, g.ints(axes));
    return g.node("Where", mask, x, g.scalar(0));
  }

  /**
   * The output lengths of a convolution along time: (L + 2 pad - kernel) / stride + 1, and 0 for an
   * input shorter than the kernel spans (or empty), as ctc4j's models count them.
   */
  static String convLengths(Graph g, String lengths, long kernel, long stride, long pad) {
    String strided = g.node("Div", g.node("Add", lengths, g.int64(2 * pad - kernel)), g.int64(stride));
    String fits = g.node("Greater", lengths, g.int64(Math.max(0, kernel - 2 * pad - 1)));
    return g.node("Where", fits, g.node("Add", strided, g.int64(1)), g.int64(0));
  }

  /** [N, C, T] (or [N, C, F, T]) to time-major [T, N, C * F], the per-frame layers' layout. */
  static String timeMajor(Graph g, String x, long channels) {
    String flat = g.node("Reshape", x, g.ints(0, channels, -1));
    return g.node("Transpose", List.of(flat), attr("perm", 2, 0, 1));
  }
}

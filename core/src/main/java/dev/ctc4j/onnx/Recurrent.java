package dev.ctc4j.onnx;

import static dev.ctc4j.onnx.Graph.attr;

import dev.ctc4j.onnx.proto.Onnx.AttributeProto;
import java.util.ArrayList;
import java.util.List;

/**
 * A torch.nn.LSTM/GRU stack (ctc4j's Rnn) as one ONNX LSTM or GRU node per layer, over time-major
 * x [T, N, input]. Packed-sequence semantics come from sequence_lens: a direction reads only an
 * utterance's first lengths[b] frames (the reverse one starts at its last), and its outputs past
 * them are zero. Sizes, layers and directions are read off the weights.
 */
final class Recurrent {
  // ONNX's gate blocks in PyTorch's numbering: LSTM iofc from torch's ifgo; GRU zrh from torch's rzn.
  private static final int[] LSTM_GATES = {0, 3, 1, 2}, GRU_GATES = {1, 0, 2};

  private Recurrent() {}

  /** sequence_lens for the RNN nodes: int32, at least 1 (ONNX Runtime refuses 0; an empty utterance's frame is ignored). */
  static String sequenceLengths(Graph g, String lengths) {
    return g.node("Cast", List.of(g.node("Max", lengths, g.int64(1))), attr("to", (long) Graph.INT32));
  }

  /**
   * y [T, N, hidden * directions] (directions concatenated, forward first), or [T, N, hidden] when
   * {@code sumDirections} (DeepSpeech2).
   */
  static String rnn(Graph g, Weights w, String x, String sequenceLengths, boolean sumDirections) {
    long hidden = w.shape("weight_hh_l0")[1];
    int gates = Math.toIntExact(w.shape("weight_hh_l0")[0] / hidden);
    boolean lstm = gates == 4;
    int directions = w.has("weight_ih_l0_reverse") ? 2 : 1;
    String y = x;
    for (int l = 0; w.has("weight_ih_l" + l); l++) {
      y = layer(g, w, l, directions, hidden, lstm, y, sequenceLengths); // [T, D, N, H]
      if (sumDirections && !w.has("weight_ih_l" + (l + 1))) {
        return g.node("ReduceSum", List.of(y, g.ints(1)), attr("keepdims", 0L));
      }
      y = g.node("Transpose", List.of(y), attr("perm", 0, 2, 1, 3));
      y = g.node("Reshape", y, g.ints(0, 0, directions * hidden));
    }
    return y;
  }

  private static String layer(Graph g, Weights w, int l, int directions, long hidden, boolean lstm, String x,
      String sequenceLengths) {
    int[] order = lstm ? LSTM_GATES : GRU_GATES;
    long inputSize = w.shape("weight_ih_l" + l)[1];
    List<float[]> wIh = new ArrayList<>(), wHh = new ArrayList<>(), bias = new ArrayList<>();
    for (int d = 0; d < directions; d++) {
      String s = "_l" + l + (d == 1 ? "_reverse" : "");
      wIh.add(reorder(w.values("weight_ih" + s), order, hidden * inputSize));
      wHh.add(reorder(w.values("weight_hh" + s), order, hidden * hidden));
      bias.add(reorder(w.values("bias_ih" + s), order, hidden));
      bias.add(reorder(w.values("bias_hh" + s), order, hidden));
    }
    String name = w.name("l" + l);
    long rows = order.length * hidden;
    String wi = g.floats(name + "_W", concat(wIh), directions, rows, inputSize);
    String wh = g.floats(name + "_R", concat(wHh), directions, rows, hidden);
    String b = g.floats(name + "_B", concat(bias), directions, 2 * rows);
    List<AttributeProto> attributes = new ArrayList<>(List.of(attr("hidden_size", hidden),
        attr("direction", directions == 2 ? "bidirectional" : "forward")));
    if (!lstm) attributes.add(attr("linear_before_reset", 1L)); // PyTorch applies the reset gate after W_hn h + b_hn
    return g.node(lstm ? "LSTM" : "GRU", List.of(x, wi, wh, b, sequenceLengths),
        attributes.toArray(new AttributeProto[0]));
  }

  /** The gate blocks (each {@code block} values) of a PyTorch tensor in ONNX's order. */
  private static float[] reorder(float[] torch, int[] order, long block) {
    int n = Math.toIntExact(block);
    float[] out = new float[torch.length];
    for (int j = 0; j < order.length; j++) System.arraycopy(torch, order[j] * n, out, j * n, n);
    return out;
  }

  private static float[] concat(List<float[]> parts) {
    float[] out = new float[parts.stream().mapToInt(p -> p.length).sum()];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}

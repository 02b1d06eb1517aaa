package dev.ctc4j.onnx;

import static dev.ctc4j.onnx.Graph.attr;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * torch.nn.Conv1d over [N, C, T] and Conv2d over [N, C, H, W] as one ONNX Conv: PyTorch's weight
 * layout is ONNX's. Arrays are per spatial axis; {@code pads} lists the starts, then the ends.
 */
final class Convolutions {
  private Convolutions() {}

  static String conv(Graph g, Weights w, String x, long[] stride, long[] pads, long groups) {
    List<String> in = new ArrayList<>(List.of(x, w.add(g, "weight")));
    if (w.has("bias")) in.add(w.add(g, "bias"));
    long[] shape = w.shape("weight");
    long[] kernel = Arrays.copyOfRange(shape, 2, shape.length);
    return g.node("Conv", in, attr("kernel_shape", kernel), attr("strides", stride), attr("pads", pads),
        attr("group", groups));
  }

  /** Symmetric padding {@code pad} per axis. */
  static long[] symmetric(long... pad) {
    long[] pads = new long[2 * pad.length];
    for (int i = 0; i < pad.length; i++) pads[i] = pads[i + pad.length] = pad[i];
    return pads;
  }
}

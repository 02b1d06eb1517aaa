package dev.ctc4j.onnx;

import static dev.ctc4j.onnx.Graph.attr;

import java.util.List;

/** Batch, layer and group normalisation, each as ctc4j's layer computes it (eps 1e-5). */
final class Norms {
  static final float EPS = 1e-5f;

  private Norms() {}

  /** BatchNorm over [N, C, ...] with the running statistics (BatchNorm1d/2d in inference). */
  static String batchNorm(Graph g, Weights w, String x) {
    return g.node("BatchNormalization", List.of(x, w.add(g, "weight"), w.add(g, "bias"), w.add(g, "running_mean"),
        w.add(g, "running_var")), attr("epsilon", EPS));
  }

  /**
   * BatchNorm over the last axis ([T, N, C], deepspeech.pytorch's SequenceWise): ONNX's op wants the
   * channels second, so the running statistics are folded into one scale and shift per channel.
   */
  static String batchNormLastAxis(Graph g, Weights w, String x) {
    float[] gamma = w.values("weight"), beta = w.values("bias"), mean = w.values("running_mean"),
        var = w.values("running_var");
    float[] scale = new float[gamma.length], shift = new float[gamma.length];
    for (int c = 0; c < gamma.length; c++) {
      double s = gamma[c] / Math.sqrt((double) var[c] + EPS);
      scale[c] = (float) s;
      shift[c] = (float) (beta[c] - mean[c] * s);
    }
    String scaled = g.node("Mul", x, g.floats(w.name("scale"), scale, scale.length));
    return g.node("Add", scaled, g.floats(w.name("shift"), shift, shift.length));
  }

  /** LayerNorm over the last axis. */
  static String layerNorm(Graph g, Weights w, String x) {
    return g.node("LayerNormalization", List.of(x, w.add(g, "weight"), w.add(g, "bias")), attr("axis", -1L),
        attr("epsilon", EPS));
  }

  /** LayerNorm over axis {@code axis} of a rank-4 tensor: moved last, normalised, moved back. */
  static String layerNormAxis(Graph g, Weights w, String x, int axis) {
    long[] perm = {0, 1, 2, 3};
    perm[axis] = 3;
    perm[3] = axis;
    String moved = g.node("Transpose", List.of(x), attr("perm", perm));
    return g.node("Transpose", List.of(layerNorm(g, w, moved)), attr("perm", perm));
  }
}

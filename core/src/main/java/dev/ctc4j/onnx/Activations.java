package dev.ctc4j.onnx;

/** ReLU, Hardtanh (Clip) and exact GELU (its erf formula, as torch exports it before opset 20). */
final class Activations {
  private Activations() {}

  static String relu(Graph g, String x) {
    return g.node("Relu", x);
  }

  static String hardtanh(Graph g, String x, float lo, float hi) {
    return g.node("Clip", x, g.scalar(lo), g.scalar(hi));
  }

  /** 0.5 x (1 + erf(x / sqrt 2)). */
  static String gelu(Graph g, String x) {
    String erf = g.node("Erf", g.node("Mul", x, g.scalar((float) (1 / Math.sqrt(2)))));
    return g.node("Mul", g.node("Mul", x, g.node("Add", erf, g.scalar(1))), g.scalar(0.5f));
  }
}

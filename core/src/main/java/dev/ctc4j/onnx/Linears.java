package dev.ctc4j.onnx;

/** torch.nn.Linear over the last axis: MatMul by the transposed weight, then Add of the bias. */
final class Linears {
  private Linears() {}

  static String linear(Graph g, Weights w, String x) {
    long[] shape = w.shape("weight");
    int out = Math.toIntExact(shape[0]), in = Math.toIntExact(shape[1]);
    float[] weight = w.values("weight");
    float[] transposed = new float[weight.length]; // [in, out]: x [..., in] times it
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) transposed[i * out + o] = weight[o * in + i];
    }
    String y = g.node("MatMul", x, g.floats(w.name("weight") + "_t", transposed, in, out));
    return w.has("bias") ? g.node("Add", y, w.add(g, "bias")) : y;
  }
}

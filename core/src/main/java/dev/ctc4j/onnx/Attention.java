package dev.ctc4j.onnx;

import static dev.ctc4j.onnx.Graph.attr;

import java.util.List;

/**
 * Multi-head self-attention (q_proj, k_proj, v_proj, out_proj) over batch-major x [N, T, embed]:
 * softmax(q k^T / sqrt(head_dim) + keyBias) v per head, where keyBias [N, 1, 1, T] is 0 for an
 * utterance's frames and -1e9 for its padding, so padded frames get no weight.
 */
final class Attention {
  private Attention() {}

  static String selfAttention(Graph g, Weights w, String x, int heads, long embed, String keyBias) {
    long headDim = embed / heads;
    String q = g.node("Mul", Linears.linear(g, w.at("q_proj"), x), g.scalar((float) (1 / Math.sqrt(headDim))));
    String scores = g.node("MatMul", split(g, q, heads, headDim, 0, 2, 1, 3),
        split(g, Linears.linear(g, w.at("k_proj"), x), heads, headDim, 0, 2, 3, 1));
    String weights = g.node("Softmax", List.of(g.node("Add", scores, keyBias)), attr("axis", -1L));
    String mixed = g.node("MatMul", weights, split(g, Linears.linear(g, w.at("v_proj"), x), heads, headDim, 0, 2, 1, 3));
    String joined = g.node("Transpose", List.of(mixed), attr("perm", 0, 2, 1, 3)); // [N, T, heads, head_dim]
    return Linears.linear(g, w.at("out_proj"), g.node("Reshape", joined, g.ints(0, 0, embed)));
  }

  /** keyBias [N, 1, 1, T] from valid [N, T]. */
  static String keyBias(Graph g, String valid) {
    return g.node("Unsqueeze", g.node("Where", valid, g.scalar(0), g.scalar(-1e9f)), g.ints(1, 2));
  }

  /** [N, T, heads * head_dim] as [N, T, heads, head_dim] permuted by perm. */
  private static String split(Graph g, String x, int heads, long headDim, long... perm) {
    return g.node("Transpose", List.of(g.node("Reshape", x, g.ints(0, 0, heads, headDim))), attr("perm", perm));
  }
}

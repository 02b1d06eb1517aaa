package dev.ctc4j.onnx;

import static dev.ctc4j.onnx.Graph.attr;

import java.util.List;

/** What a family's graph builder ends in: log-probabilities [N, T', classes] and output lengths [N]. */
record Outputs(String logProbs, String lengths) {
  /** Log-softmax over the classes of batch-major logits [N, T', classes]. */
  static Outputs of(Graph g, String logits, String lengths) {
    return new Outputs(g.node("LogSoftmax", List.of(logits), attr("axis", -1L)), lengths);
  }

  /** The same from time-major logits [T', N, classes] (the log-mel families' layout). */
  static Outputs ofTimeMajor(Graph g, String logits, String lengths) {
    return of(g, g.node("Transpose", List.of(logits), attr("perm", 1, 0, 2)), lengths);
  }
}

package dev.ctc4j.onnx;

import dev.ctc4j.model.ModelConfig;

/**
 * CtcModel (architectures dnn and rnn): optional Conv1d front end (kernel k, time stride s, pad
 * k/2, ReLU; padded frames zeroed before and after), then the per-frame MLP or the LSTM/GRU stack,
 * then the output layer and log-softmax.
 */
final class CtcModelGraph {
  private CtcModelGraph() {}

  static Outputs build(Graph g, ModelConfig c, Weights w, String features, String lengths) {
    String x = features, outLengths = lengths;
    long width = c.nFeatures();
    if (c.convChannels() > 0) {
      long k = c.convKernel(), s = c.convStride(), pad = k / 2;
      x = Frames.zeroPadding(g, x, Frames.valid(g, lengths, x, 2), 3);
      x = Activations.relu(g, Convolutions.conv(g, w.at("conv"), x, new long[] {s}, Convolutions.symmetric(pad), 1));
      outLengths = Frames.convLengths(g, lengths, k, s, pad);
      x = Frames.zeroPadding(g, x, Frames.valid(g, outLengths, x, 2), 3);
      width = c.convChannels();
    }
    x = Frames.timeMajor(g, x, width);
    if (c.architecture().equals("dnn")) {
      for (int i = 0; i < c.layers(); i++) x = Activations.relu(g, Linears.linear(g, w.at("mlp." + 2 * i), x));
    } else {
      x = Recurrent.rnn(g, w.at("rnn"), x, Recurrent.sequenceLengths(g, outLengths), false);
    }
    return Outputs.ofTimeMajor(g, Linears.linear(g, w.at("output"), x), outLengths);
  }
}
